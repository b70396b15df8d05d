# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Conan 2 recipe. `conan create .` builds the library with CMake, installs it, and runs
# test_package/ against it. The version is read from CMakeLists.txt so that it is kept in one place.
# tools/check_conan.sh runs it with Conan itself, shared and static, against Debian's Boost
# (test/conan/); README.md, "Conan 2", shows how.
import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir


class ExclusiveControlConan(ConanFile):
    name = "exclusive_control"
    description = "Exclusive lock files for C++17, excluding flock and fcntl lockers alike"
    license = "BSL-1.0"
    url = "https://github.com/conan-io/conan-center-index"
    topics = ("lock-file", "file-locking", "flock", "fcntl", "zc.lockfile", "interprocess")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {"shared": [True, False], "fPIC": [True, False]}
    default_options = {
        "shared": False,
        "fPIC": True,
        # What the library links: these Boost parts must be built.
        "boost/*:without_log": False,
        "boost/*:without_thread": False,
    }
    # Only what the library needs: tests, examples, benchmarks and the command-line tool are
    # switched off in generate(). (The tool would need Boost.Program_options, which no user of
    # the library links.)
    exports_sources = "CMakeLists.txt", "cmake/*", "include/*", "lib/*", "LICENSE*"

    def set_version(self):
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        self.version = re.search(r"project\(exclusive_control\s+VERSION\s+([0-9.]+)", text).group(1)

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # Private to the library: its public headers include no Boost header.
        self.requires("boost/[>=1.81.0 <2]")

    def validate(self):
        check_min_cppstd(self, 17)
        boost = self.dependencies["boost"].options
        # A DLL linking a static Boost.Log has a logging core of its own: the user's sinks would
        # never see our records (Boost.Log wants the shared library when several modules log).
        if self.settings.os == "Windows" and self.options.shared and not boost.get_safe("shared"):
            raise ConanInvalidConfiguration(f"{self.ref} as a DLL needs boost/*:shared=True")
        for part in ("log", "thread"):
            if boost.get_safe(f"without_{part}"):
                raise ConanInvalidConfiguration(f"{self.ref} needs boost/*:without_{part}=False")

    def generate(self):
        toolchain = CMakeToolchain(self)
        toolchain.cache_variables["EXCLUSIVE_CONTROL_BUILD_TESTS"] = False
        toolchain.cache_variables["EXCLUSIVE_CONTROL_BUILD_EXAMPLES"] = False
        toolchain.cache_variables["EXCLUSIVE_CONTROL_BUILD_BENCHMARKS"] = False
        toolchain.cache_variables["EXCLUSIVE_CONTROL_BUILD_CLI"] = False
        toolchain.cache_variables["EXCLUSIVE_CONTROL_INSTALL"] = True
        toolchain.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def package(self):
        copy(self, "LICENSE*", self.source_folder, os.path.join(self.package_folder, "licenses"))
        CMake(self).install()
        # Conan's generators write these for the consumer from package_info() instead.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "exclusive_control")
        self.cpp_info.set_property("cmake_target_name", "exclusive_control::exclusive_control")
        self.cpp_info.set_property("pkg_config_name", "exclusive_control")
        self.cpp_info.libs = ["exclusive_control"]
        # What the library links; Boost.Log's component brings what it needs in turn.
        self.cpp_info.requires = ["boost::headers", "boost::log", "boost::thread"]
        if self.options.shared:
            self.cpp_info.defines = ["EXCLUSIVE_CONTROL_DYN_LINK"]
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
        elif self.settings.os == "Windows":
            self.cpp_info.system_libs = ["ws2_32", "mswsock"]  # boost::asio::ip::host_name
