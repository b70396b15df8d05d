# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# `conan create .` builds the package, then this recipe builds ./CMakeLists.txt against it and
# runs the program.
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import load
from conan.tools.gnu import PkgConfigDeps


class ExclusiveControlTestPackage(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        toolchain = CMakeToolchain(self)
        shared = self.dependencies[self.tested_reference_str].options.shared
        toolchain.cache_variables["EXPECT_DYN_LINK"] = bool(shared)
        toolchain.generate()
        CMakeDeps(self).generate()
        # Users of Meson, Autotools or plain make consume the package through this file.
        PkgConfigDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        self.check_pkg_config_file()
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")

    def check_pkg_config_file(self):
        # package_info()'s pkg_config_name and requires, as PkgConfigDeps writes them.
        text = load(self, os.path.join(self.generators_folder, "exclusive_control.pc"))
        for expected in ("-lexclusive_control", "boost-log", "boost-thread"):
            if expected not in text:
                raise Exception(f"exclusive_control.pc lacks {expected!r}:\n{text}")
