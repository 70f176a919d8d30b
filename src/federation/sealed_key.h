// The federation's Ed25519 keys (the witness's, the node's), each made on
// first start and kept sealed under the master key in fed_witness_key, by id.
//
// Thread-safety: safe for concurrent use (two processes starting together
// agree on one key: the second insert conflicts, then reads the first).
#ifndef QIANTANG_FEDERATION_SEALED_KEY_H_
#define QIANTANG_FEDERATION_SEALED_KEY_H_

#include <string_view>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/ed25519.h"
#include "crypto/sealed_box.h"
#include "store/store.h"

namespace qt::federation {

// `id` names the key's row; `associated` binds the sealed seed to it.
Result<crypto::SigningKey> LoadOrMakeKey(store::Store& store, std::string_view id,
                                         std::string_view associated,
                                         const crypto::MasterKey& master_key, Random& random,
                                         const Clock& clock);

}  // namespace qt::federation

#endif  // QIANTANG_FEDERATION_SEALED_KEY_H_
