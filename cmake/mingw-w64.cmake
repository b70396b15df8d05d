# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Cross-compiling for 64-bit Windows with Debian's mingw-w64, as tools/test_windows.sh does:
#   cmake -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64.cmake -DCMAKE_PREFIX_PATH=<Boost built for mingw> ...
# The POSIX-threads variant of the compiler, which std::thread and std::mutex need.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc-posix)
set(CMAKE_CXX_COMPILER x86_64-w64-mingw32-g++-posix)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)

# CMAKE_PREFIX_PATH is searched before the system's paths, so the Boost it names is found
# before the build machine's own (Linux) one. Only static Boost libraries are built for mingw;
# static programs need no compiler DLLs beside them under wine.
set(Boost_USE_STATIC_LIBS ON)
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
set(CMAKE_CROSSCOMPILING_EMULATOR wine)
