// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// The documentation against the code, without building it: every example it shows is a tagged
// part of a file in doc/examples (which the tests compile and run), every declaration the
// reference shows is in a header, every documented name of the headers is in the reference,
// every "hazard N" of a comment is in doc/design.adoc, and every test the design names exists.
#define BOOST_TEST_MODULE docs
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

const fs::path source_dir = EXCLUSIVE_CONTROL_SOURCE_DIR;
const fs::path doc_dir = source_dir / "doc";

std::string read(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    BOOST_TEST_REQUIRE(static_cast<bool>(in), "cannot read " << path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

/// A delimited listing block (between "----" lines) and the attribute line before it.
struct listing {
    fs::path document;
    std::size_t line_number;
    std::string attributes; // "[source]", "[source,sh]", or "" for a plain listing
    std::vector<std::string> lines;
};

std::vector<listing> listings_of(const fs::path& document)
{
    std::vector<listing> found;
    const std::vector<std::string> lines = lines_of(read(document));
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i] != "----")
            continue;
        listing block{document, i + 1, i > 0 && lines[i - 1].rfind("[", 0) == 0 ? lines[i - 1] : "", {}};
        for (++i; i < lines.size() && lines[i] != "----"; ++i)
            block.lines.push_back(lines[i]);
        found.push_back(block);
    }
    return found;
}

std::string where(const listing& block)
{
    return block.document.filename().string() + ":" + std::to_string(block.line_number);
}

std::string collapse_spaces(const std::string& text)
{
    std::string result = std::regex_replace(text, std::regex("\\s+"), " ");
    result = std::regex_replace(result, std::regex("^ | $"), "");
    return result;
}

std::vector<fs::path> public_headers()
{
    std::vector<fs::path> headers;
    for (const auto& entry : fs::directory_iterator(source_dir / "include" / "exclusive_control"))
        if (entry.path().extension() == ".hpp")
            headers.push_back(entry.path());
    return headers;
}

/// The declarations of the public headers as one line: comments and the export macro removed.
std::string declarations_in_headers()
{
    std::string all;
    for (const fs::path& header : public_headers())
        all += std::regex_replace(read(header), std::regex("//[^\n]*"), "") + "\n";
    return collapse_spaces(std::regex_replace(all, std::regex("EXCLUSIVE_CONTROL_DECL "), ""));
}

/// The name each documentation comment (///) of the public headers documents.
std::set<std::string> documented_names()
{
    std::set<std::string> names;
    const std::regex name_before_parameters(R"(([~A-Za-z_][A-Za-z_0-9]*=?)\s*\()");
    const std::regex name_of_member_or_type(R"(([A-Za-z_][A-Za-z_0-9]*)\s*(=|;|\{|:[^:]|$))");
    for (const fs::path& header : public_headers()) {
        const std::vector<std::string> lines = lines_of(read(header));
        for (std::size_t i = 1; i < lines.size(); ++i) {
            const bool after_doc_comment = collapse_spaces(lines[i - 1]).rfind("///", 0) == 0;
            std::string declaration = collapse_spaces(lines[i]);
            if (!after_doc_comment || declaration.rfind("///", 0) == 0)
                continue;
            if (declaration.rfind("template", 0) == 0 && i + 1 < lines.size())
                declaration = collapse_spaces(lines[i + 1]);
            std::smatch match;
            if (std::regex_search(declaration, match, name_before_parameters) ||
                std::regex_search(declaration, match, name_of_member_or_type))
                names.insert(match[1]);
        }
    }
    return names;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_listing_of_the_tutorial_and_caveats_includes_a_tagged_example)
{
    for (const char* document : {"index.adoc", "tutorial.adoc", "caveats.adoc"}) {
        for (const listing& block : listings_of(doc_dir / document)) {
            BOOST_TEST_CONTEXT(where(block))
            {
                BOOST_TEST_REQUIRE(block.lines.size() == 1u);
                std::smatch include;
                BOOST_TEST_REQUIRE(std::regex_match(
                    block.lines[0], include, std::regex(R"(include::(examples/[^\[]+)\[tag=([a-z_]+)[^\]]*\])")));
                const std::string example = read(doc_dir / include[1].str());
                const std::string tag = include[2];
                BOOST_TEST(example.find("tag::" + tag + "[]") != std::string::npos, "no tag " << tag);
                BOOST_TEST(example.find("end::" + tag + "[]") != std::string::npos, "no end of tag " << tag);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(every_example_is_shown)
{
    std::string documents;
    for (const char* document : {"tutorial.adoc", "caveats.adoc", "reference.adoc"})
        documents += read(doc_dir / document);
    for (const auto& entry : fs::directory_iterator(doc_dir / "examples"))
        BOOST_TEST(documents.find("include::examples/" + entry.path().filename().string()) != std::string::npos,
                   entry.path().filename() << " is shown nowhere");
}

BOOST_AUTO_TEST_CASE(every_program_a_listing_comes_from_is_named_by_its_path_from_the_top)
{
    const std::regex from(R"(From\s+`([^`]+)`)");
    int named = 0;
    for (const char* document : {"tutorial.adoc", "caveats.adoc", "reference.adoc"}) {
        const std::string text = read(doc_dir / document);
        for (std::sregex_iterator found(text.begin(), text.end(), from), end; found != end; ++found) {
            ++named;
            BOOST_TEST(fs::is_regular_file(source_dir / (*found)[1].str()),
                       document << " says \"From " << (*found)[1] << "\", which is no file of the repository");
        }
    }
    BOOST_TEST(named > 5);
}

BOOST_AUTO_TEST_CASE(every_declaration_in_the_reference_is_in_a_header)
{
    const std::string headers = declarations_in_headers();
    for (const listing& block : listings_of(doc_dir / "reference.adoc")) {
        if (block.attributes != "[source]")
            continue; // the command line's usage
        for (const std::string& line : block.lines) {
            std::string declaration = collapse_spaces(line);
            if (!declaration.empty() && declaration.back() == ';')
                declaration.pop_back();
            BOOST_TEST(headers.find(declaration) != std::string::npos,
                       where(block) << ": \"" << declaration << "\" is in no header");
        }
    }
}

BOOST_AUTO_TEST_CASE(every_documented_name_of_the_headers_is_in_the_reference)
{
    std::string declarations;
    for (const listing& block : listings_of(doc_dir / "reference.adoc"))
        for (const std::string& line : block.lines)
            declarations += line + "\n";
    const std::set<std::string> names = documented_names();
    BOOST_TEST(names.size() > 20u); // the parse found the declarations
    for (const std::string& name : names)
        BOOST_TEST(std::regex_search(declarations, std::regex("(^|[^A-Za-z_0-9])" + name + "([^A-Za-z_0-9]|$)")),
                   name << " is not in the reference");
}

namespace {

/// The source files whose comments may name hazards.
std::vector<fs::path> source_files()
{
    std::vector<fs::path> files;
    for (const char* folder : {"include", "lib", "cli", "test", "fuzz", "bench", "examples"})
        for (const auto& entry : fs::recursive_directory_iterator(source_dir / folder))
            if (entry.path().extension() == ".cpp" || entry.path().extension() == ".hpp")
                files.push_back(entry.path());
    return files;
}

} // namespace

BOOST_AUTO_TEST_CASE(every_hazard_a_comment_names_is_in_the_design_and_the_comment_says_so)
{
    const std::string design = read(doc_dir / "design.adoc");
    // "hazard 2", "Hazards 1, 2 and 5", "hazards 1-3"
    const std::regex mention(R"([Hh]azards? (\d+(?:(?:, | and |-)\d+)*))");
    const std::regex number(R"((\d+)(?:-(\d+))?)");
    int mentions = 0;
    for (const fs::path& file : source_files()) {
        const std::string text = read(file);
        if (std::regex_search(text, mention))
            BOOST_TEST(text.find("doc/design.adoc") != std::string::npos,
                       fs::relative(file, source_dir) << " names hazards but not where they are numbered");
        for (std::sregex_iterator found(text.begin(), text.end(), mention), end; found != end; ++found) {
            const std::string numbers = (*found)[1];
            for (std::sregex_iterator n(numbers.begin(), numbers.end(), number); n != end; ++n) {
                const int first = std::stoi((*n)[1]);
                const int last = (*n)[2].matched ? std::stoi((*n)[2]) : first;
                for (int hazard = first; hazard <= last; ++hazard) {
                    ++mentions;
                    BOOST_TEST(design.find("[#hazard-" + std::to_string(hazard) + "]") != std::string::npos,
                               fs::relative(file, source_dir)
                                   << " names hazard " << hazard << ", which doc/design.adoc lacks");
                }
            }
        }
    }
    BOOST_TEST(mentions > 20); // the search found the comments
}

BOOST_AUTO_TEST_CASE(every_source_file_carries_the_license_line)
{
    // Sources, scripts, build files and documentation. Not the license itself, the README
    // (which has a section for it) or the changelog, nor the fuzz corpus, whose files are inputs
    // that a line would change, nor what builds leave behind.
    const std::string line = "Copyright exclusive_control developers. Distributed under the Boost Software "
                             "License, Version 1.0.";
    std::vector<fs::path> files;
    for (const char* name :
         {"CMakeLists.txt", "Jamfile", "Jamroot", "project-config.jam", "conanfile.py", ".gitignore", ".ci/run"})
        files.push_back(source_dir / name);
    for (const char* folder :
         {"include", "lib", "cli", "test", "fuzz", "bench", "examples", "doc", "tools", "cmake", "test_package"}) {
        for (auto entry = fs::recursive_directory_iterator(source_dir / folder); entry != fs::end(entry); ++entry) {
            if (entry->path() == source_dir / "fuzz" / "corpus" || entry->path().filename() == "build") {
                entry.disable_recursion_pending(); // test_package/build: what `conan create` leaves
                continue;
            }
            const fs::path& path = entry->path();
            const std::set<std::string> kinds{".cpp", ".hpp", ".adoc", ".sh", ".py", ".cmake", ".in"};
            const std::set<std::string> names{"CMakeLists.txt", "Jamfile", "Jamroot", "Makefile"};
            if (entry->is_regular_file() &&
                (kinds.count(path.extension().string()) != 0 || names.count(path.filename().string()) != 0))
                files.push_back(path);
        }
    }
    BOOST_TEST(files.size() > 80u);
    for (const fs::path& file : files)
        BOOST_TEST(read(file).find(line) != std::string::npos, fs::relative(file, source_dir)
                                                                   << " lacks the license line");
}

BOOST_AUTO_TEST_CASE(every_test_the_design_names_exists)
{
    // "Pinned by: `test_x.cpp`: `case_a`, `case_b`; `test_y.cpp`: `case_c`." up to a blank line.
    const std::vector<std::string> lines = lines_of(read(doc_dir / "design.adoc"));
    const std::regex quoted("`([^`]+)`");
    int cases = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (lines[i].rfind("Pinned by:", 0) != 0)
            continue;
        std::string paragraph;
        for (; i < lines.size() && !lines[i].empty(); ++i)
            paragraph += lines[i] + "\n";
        std::string suite;
        std::string suite_text;
        for (std::sregex_iterator found(paragraph.begin(), paragraph.end(), quoted), end; found != end; ++found) {
            const std::string name = (*found)[1];
            if (name.size() > 4 && name.compare(name.size() - 4, 4, ".cpp") == 0) {
                suite = name;
                BOOST_TEST_REQUIRE(fs::exists(source_dir / "test" / suite), "doc/design.adoc names " << suite);
                suite_text = read(source_dir / "test" / suite);
                continue;
            }
            if (name.find('/') != std::string::npos)
                continue; // a tool or a support file, not a test case
            BOOST_TEST_REQUIRE(!suite.empty(), "doc/design.adoc names " << name << " before its suite");
            ++cases;
            BOOST_TEST(std::regex_search(suite_text, std::regex("TEST_CASE\\(\\s*" + name + "\\b")),
                       "doc/design.adoc names " << name << ", which " << suite << " lacks");
        }
    }
    BOOST_TEST(cases > 40); // the search found the lists
}
