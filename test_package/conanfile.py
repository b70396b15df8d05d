# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# `conan create .` builds the package, then this recipe builds ./CMakeLists.txt against it and
# runs the program.
import os

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout


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

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if can_run(self):
            self.run(os.path.join(self.cpp.build.bindir, "test_package"), env="conanrun")
