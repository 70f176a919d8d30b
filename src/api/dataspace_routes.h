// HTTP routes of the trusted data space (docs/api/openapi.yaml, tag
// dataspace): sources, pipelines and runs, products and the catalog, offers,
// contract negotiation, and the channel.
#ifndef QIANTANG_API_DATASPACE_ROUTES_H_
#define QIANTANG_API_DATASPACE_ROUTES_H_

#include "api/router.h"
#include "dataspace/dataspace.h"

namespace qt::api {

void RegisterDataSpaceRoutes(Router& router, dataspace::DataSpace& space);

}  // namespace qt::api

#endif  // QIANTANG_API_DATASPACE_ROUTES_H_
