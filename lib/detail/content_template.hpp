// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#ifndef EXCLUSIVE_CONTROL_LIB_DETAIL_CONTENT_TEMPLATE_HPP
#define EXCLUSIVE_CONTROL_LIB_DETAIL_CONTENT_TEMPLATE_HPP

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace exclusive_control {
namespace detail {

/// The longest content a template may render: `" " + content + "\n"` must fit in the
/// 4 KiB that a contender reads back as the holder, or the holder would be cut silently.
constexpr std::size_t max_content_size = 4094;

/// A parsed `lock_options::content_template`.
class content_template {
public:
    /// Throws: `std::invalid_argument` naming the template, the offset and what is wrong.
    explicit content_template(std::string_view text);

    bool uses_hostname() const noexcept;

    /// The content for this process now, to be written into `lock_file`. Looks the host name up
    /// only if the template uses it.
    /// Throws: `std::filesystem::filesystem_error` naming `lock_file`, with the system's error
    /// code, if the host name cannot be read: like an I/O failure, the lock cannot be taken.
    std::string render(const std::filesystem::path& lock_file) const;

    /// Renders with the given values; the seam the tests and `render()` share.
    std::string render(std::string_view pid, std::string_view hostname) const;

private:
    enum class kind { literal, pid, hostname };
    struct piece {
        kind what;
        std::string text;
    };
    std::vector<piece> pieces_;
};

} // namespace detail
} // namespace exclusive_control

#endif
