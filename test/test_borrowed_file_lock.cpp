// Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
//
// detail::borrowed_file_lock reaches boost::interprocess::file_lock's private descriptor (see
// doc/design.adoc, "Lending file_lock our descriptor"). Should a Boost release rename the member
// this stops compiling; should it change what the member means (a second descriptor, a lock
// taken elsewhere, a close in the destructor), these cases fail.
#define BOOST_TEST_MODULE borrowed_file_lock
#include <boost/test/unit_test.hpp>

#include "detail/file_lock_handle_posix.hpp"

#include "child_process.hpp"
#include "temp_dir.hpp"

#include <fcntl.h>
#include <unistd.h>

using exclusive_control::detail::borrowed_file_lock;
using test_support::temp_dir;

namespace {

int open_file(const std::filesystem::path& path)
{
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    BOOST_TEST_REQUIRE(fd >= 0);
    return fd;
}

} // namespace

BOOST_AUTO_TEST_CASE(file_lock_locks_the_file_through_the_lent_descriptor)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const int fd = open_file(path);
    {
        borrowed_file_lock lock(fd);
        BOOST_TEST(lock.get().try_lock());
        BOOST_TEST(!test_support::fcntl_peer_can_lock(path));
        lock.get().unlock();
        BOOST_TEST(test_support::fcntl_peer_can_lock(path));
    }
    ::close(fd);
}

BOOST_AUTO_TEST_CASE(the_lent_descriptor_stays_open_and_locked_after_file_lock_is_gone)
{
    temp_dir dir;
    const auto path = dir / "lock";
    const int fd = open_file(path);
    {
        borrowed_file_lock lock(fd);
        BOOST_TEST_REQUIRE(lock.get().try_lock());
    } // file_lock's destructor must neither close our descriptor nor unlock
    BOOST_TEST(::fcntl(fd, F_GETFD) != -1);
    BOOST_TEST(!test_support::fcntl_peer_can_lock(path));
    ::close(fd);
    BOOST_TEST(test_support::fcntl_peer_can_lock(path));
}
