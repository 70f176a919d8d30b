// HTTP routes of jobs on live clusters (docs/api/openapi.yaml, tag compute):
// submit, list, show and cancel jobs, a cluster's queue, nodes and tenant
// quotas, and usage per tenant and month with its domestic share.
#ifndef QIANTANG_API_JOBS_ROUTES_H_
#define QIANTANG_API_JOBS_ROUTES_H_

#include "api/router.h"
#include "compute/live/jobs.h"

namespace qt::api {

void RegisterJobsRoutes(Router& router, compute::live::Jobs& jobs);

}  // namespace qt::api

#endif  // QIANTANG_API_JOBS_ROUTES_H_
