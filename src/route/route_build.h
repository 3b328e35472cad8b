// Building a family's route set (FIB + chains) from a flat list of routes.
// Control side; pure apart from the DPDK memory the Fib takes.
#pragma once

#include <string>
#include <vector>

#include "route/route_tables.h"

namespace sy {

// `routes` of one family, each (dst, src) pair at most once; routes[i] keeps
// index i in out->routes. Fails (with *error) only when DPDK memory runs out.
bool build_family_routes(bool v6, std::vector<Route> routes, FamilyRoutes* out,
                         std::string* error);

}  // namespace sy
