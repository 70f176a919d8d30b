// HTTP routes of the federation's peering and catalog.
//
// Node to node (no token; each request signed by a peer, federation/peers.h):
//   GET  /.well-known/dspace-version   (public) the DSP versions: 2025-1 at /dsp
//   GET  /federation/descriptor        (public, text) this node's signed descriptor
//   POST /federation/hello             (signed, pending or active peer) body: the
//                                      caller's descriptor; answers ours
//   POST /dsp/catalog/request          (signed, active peer) a CatalogRequestMessage;
//                                      a DSP Catalog, 100 offers a page, Link rel="next"
// and the JSON API for people under /api/v1/federation:
//   GET  node                          this node's name, city, URL, key, descriptor
//   GET  peers, GET peers/{name}       (signed in) peers and their state
//   POST peers {descriptor}            (operator admin) add a peer, say hello
//   POST peers/{name}/suspend|resume   (operator admin)
//   DELETE peers/{name}                (operator admin)
//   POST crawl                         (operator admin) crawl every peer now
//   GET  catalog?q=&limit=             (signed in) every city's offers, ranked
//   GET  status                        (signed in) node, peers, crawls, witnessed logs
// docs/api/openapi.yaml describes each; docs/federation/README.md the protocols.
#ifndef QIANTANG_API_PEERING_ROUTES_H_
#define QIANTANG_API_PEERING_ROUTES_H_

#include "api/router.h"
#include "dataspace/dataspace.h"
#include "federation/catalog.h"
#include "federation/node.h"
#include "federation/peers.h"
#include "federation/witness.h"
#include "federation/witnessing.h"

namespace qt::api {

struct PeeringServices {
  federation::Node* node = nullptr;                 // required
  federation::Peers* peers = nullptr;               // required
  federation::FederatedCatalog* catalog = nullptr;  // required
  federation::Witness* witness = nullptr;           // required
  federation::Witnessing* witnessing = nullptr;     // may be null
  dataspace::DataSpace* dataspace = nullptr;        // required
};

void RegisterPeeringRoutes(Router& router, PeeringServices services);

}  // namespace qt::api

#endif  // QIANTANG_API_PEERING_ROUTES_H_
