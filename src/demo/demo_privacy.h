// The demo city's privacy computing, after the seed's first dataset trade: a
// diagnostics company (杭州迪安医学检验中心) offers its exam records for PSI
// and delivery; an AI company (杭州深度求索, the demo's enterprise) signs a
// contract, finds the customers they share by PSI (intersection output) and
// receives a fingerprinted, encrypted copy of the agreed columns, opened on
// its side with a signed receipt.
#ifndef QIANTANG_DEMO_DEMO_PRIVACY_H_
#define QIANTANG_DEMO_DEMO_PRIVACY_H_

#include <string>

#include "accounts/accounts.h"
#include "dataspace/dataspace.h"
#include "privacy/delivery_service.h"
#include "privacy/psi_service.h"

namespace qt::demo {

// REQUIRES: LoadDemoDataSpace ran.
Status LoadDemoPrivacy(accounts::Accounts& accounts, dataspace::DataSpace& space,
                       privacy::PsiService& psi, privacy::DeliveryService& deliveries,
                       const std::string& seed);

}  // namespace qt::demo

#endif  // QIANTANG_DEMO_DEMO_PRIVACY_H_
