// Packet tests share one EAL per process: initialise it before the session and
// clean it (and its runtime files) up after.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "packet_harness.h"

int main(int argc, char** argv) {
  sy::test::ensure_eal();
  int rc = Catch::Session().run(argc, argv);
  sy::test::shutdown_eal();
  return rc;
}
