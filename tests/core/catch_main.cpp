// The one Catch2 main of core_tests; every *_test.cpp beside it adds cases.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
