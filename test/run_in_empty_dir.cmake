# Copyright exclusive_control developers. Distributed under the Boost Software License, Version 1.0.
#
# Runs PROGRAM [ARGUMENT] in DIR, made fresh and empty, with PATH_PREFIX (if given) first on PATH,
# and fails unless it exits with 0. The documentation's examples use relative paths, as a
# user's program would, so each gets a directory of its own.
file(REMOVE_RECURSE "${DIR}")
file(MAKE_DIRECTORY "${DIR}")
if(PATH_PREFIX)
  set(ENV{PATH} "${PATH_PREFIX}:$ENV{PATH}")
endif()
execute_process(COMMAND "${PROGRAM}" ${ARGUMENT} WORKING_DIRECTORY "${DIR}" RESULT_VARIABLE result TIMEOUT 60)
file(REMOVE_RECURSE "${DIR}")
if(NOT result EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} ${ARGUMENT}: ${result}")
endif()
