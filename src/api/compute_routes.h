// HTTP routes of the compute module (docs/api/openapi.yaml, tag compute):
// the chip catalog and the configured clusters' capacity in P (public, as
// the platform's capacity board), the traces on the server and small
// simulations for the console (signed in).
#ifndef QIANTANG_API_COMPUTE_ROUTES_H_
#define QIANTANG_API_COMPUTE_ROUTES_H_

#include <string>

#include "api/router.h"
#include "core/status.h"

namespace qt::api {

struct ComputeRouteOptions {
  // Folder whose *.csv files (recursively) may be simulated ('' for none).
  std::string traces_dir;
  // Largest number of jobs one simulation request may replay.
  int max_simulation_jobs = 20'000;
};

// Loads the built-in chip catalog and clusters; fails only if they are broken.
Status RegisterComputeRoutes(Router& router, ComputeRouteOptions options);

}  // namespace qt::api

#endif  // QIANTANG_API_COMPUTE_ROUTES_H_
