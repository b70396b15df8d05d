# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Debian's Boost (libboost1.81-all-dev) as a Conan package, for machines that cannot reach
# ConanCenter. It builds nothing and ships nothing: the headers and libraries stay where apt put
# them, on the compiler's and linker's default search paths. What it does provide is what
# ConanCenter's `boost` recipe gives its consumers, so that our recipe's `requires` and
# `package_info` are exercised as they would be there: the CMake file name `Boost`, components
# named after the Boost modules with targets `Boost::<module>`, and the `*_DYN_LINK` defines
# that Debian's shared libraries need (without BOOST_LOG_DYN_LINK a consumer compiles against
# the static library's namespace and fails to link).
#
# Exported as boost/1.81.0@system and chosen by the profile beside it:
#   [replace_requires]
#   boost/*: boost/1.81.0@system
# ([platform_requires] would not do: CMakeDeps then leaves Boost out of the consumers' link.)
from conan import ConanFile
from conan.errors import ConanInvalidConfiguration


class DebianBoostConan(ConanFile):
    name = "boost"
    version = "1.81.0"
    user = "system"
    description = "Debian's Boost 1.81 (libboost1.81-all-dev), presented as ConanCenter's boost"
    license = "BSL-1.0"
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    # The options of ConanCenter's recipe that its consumers set or read; Debian has every part.
    options = {"shared": [True], "without_log": [False], "without_thread": [False]}
    default_options = {"shared": True, "without_log": False, "without_thread": False}

    # Module -> (the modules it needs, whether it has a library).
    modules = {
        "headers": ((), False),
        "atomic": (("headers",), True),
        "chrono": (("headers",), True),
        "filesystem": (("headers", "atomic"), True),
        "program_options": (("headers",), True),
        "regex": (("headers",), True),
        "thread": (("headers", "atomic", "chrono"), True),
        "log": (("headers", "thread", "filesystem", "atomic", "regex"), True),
        "log_setup": (("log",), True),
    }

    def validate(self):
        if self.settings.os != "Linux":
            raise ConanInvalidConfiguration("boost/1.81.0@system wraps Debian's Boost: Linux only")

    def package_id(self):
        # Nothing is built: the package is the same whatever the consumer's settings.
        self.info.clear()

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "Boost")
        self.cpp_info.set_property("cmake_target_name", "Boost::boost")
        self.cpp_info.set_property("pkg_config_name", "boost")
        for module, (needs, has_library) in self.modules.items():
            component = self.cpp_info.components[module]
            component.set_property("cmake_target_name", f"Boost::{module}")
            component.requires = list(needs)
            # Headers in /usr/include, libraries in the multiarch directory: both searched by
            # default, so no directory is named (system_libs link by name, -lboost_log).
            component.includedirs = []
            component.libdirs = []
            component.bindirs = []
            if has_library:
                component.system_libs = [f"boost_{module}"]
                component.defines = [f"BOOST_{module.upper()}_DYN_LINK"]
        self.cpp_info.components["headers"].defines = ["BOOST_ALL_NO_LIB"]
        self.cpp_info.components["thread"].system_libs.append("pthread")
