// The scenario-innovation platform's two lists and the matchmaking between
// them: the opportunity list (机会清单) of demands — a department or company
// needing a solution, with budget and deadline — and the capability list
// (能力清单) of suppliers' capabilities. Each side is matched to the other by
// text (BM25 over title x2 and description, Chinese segmentation with the
// domain terms as user dictionary, text_index.h) and tags (the domain is a
// tag); a pair then moves through recommended -> contacted -> piloting ->
// deployed, or closed at any step, each step by either party and journaled.
//
// The text indexes live in the serving process's memory, rebuilt when the
// store's version counter moves (any process's new demand or capability).
// Thread-safety: safe for concurrent use.
#ifndef QIANTANG_MATCH_SCENARIOS_H_
#define QIANTANG_MATCH_SCENARIOS_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "accounts/accounts.h"
#include "core/clock.h"
#include "core/date.h"
#include "core/random.h"
#include "ledger/journal.h"
#include "match/segmenter.h"
#include "match/states.h"
#include "match/text_index.h"
#include "store/store.h"

namespace qt::match {

struct ScenarioOptions {
  const Clock* clock = nullptr;        // required
  Random* random = nullptr;            // required
  ledger::Journal* journal = nullptr;  // required
};

// Both lists' entries.
struct Listing {
  std::string id;
  ScenarioList list = ScenarioList::kDemand;
  std::string org_id;
  std::string title;
  std::string description;
  std::string domain;
  std::vector<std::string> tags;
  std::string district;          // demands
  int64_t budget_fen = 0;        // demands
  std::optional<Date> deadline;  // demands: the last day; capabilities: none
  std::string references;        // capabilities: past projects
  ListingState state = ListingState::kOpen;
  int64_t created_at = 0;
};

// Which entries of a list List returns.
struct ListingFilter {
  std::string domain;
  std::optional<ListingState> state;
  std::string title_contains;  // at most kMaxTitleContains bytes
  static constexpr size_t kMaxTitleContains = 200;
};

struct ListingMatch {
  Listing listing;
  double score = 0;
  double text_score = 0;
  int tags_matched = 0;
};

struct Pair {
  std::string id;
  std::string demand_id;
  std::string capability_id;
  PairState state = PairState::kRecommended;
  std::string note;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

class Scenarios {
 public:
  static constexpr size_t kMaxDescription = 8000;

  Scenarios(store::Store& store, ScenarioOptions options);
  ~Scenarios();
  // "match" v2; the module's migrations in order are match::Migrations().
  static store::Migration Migration();
  // The domains demands and capabilities are filed under.
  static const std::vector<std::string>& Domains();

  // Demands need budget_fen > 0 and a deadline not past.
  Result<Listing> Add(const accounts::Principal& caller, Listing listing);
  Result<Listing> Close(const accounts::Principal& caller, const std::string& id);
  Result<Listing> Get(const std::string& id);
  // One list's entries, by id, filtered by every field of `filter` that is
  // set; the page counts them all (`total`).
  Result<accounts::Page<Listing>> List(ScenarioList list, const ListingFilter& filter,
                                       const accounts::PageRequest& page);
  // The other list's open entries best matching `id`, best first.
  Result<std::vector<ListingMatch>> Matches(const std::string& id, size_t limit);
  // Free-text search of one list.
  Result<std::vector<ListingMatch>> Search(ScenarioList list, const std::string& text,
                                           const std::vector<std::string>& tags, size_t limit);

  // Matchmaking: either party of the pair.
  Result<Pair> Recommend(const accounts::Principal& caller, const std::string& demand_id,
                         const std::string& capability_id, const std::string& note);
  // To the next state, or to closed; failed_precondition from deployed or
  // closed, invalid_argument for recommended.
  Result<Pair> Advance(const accounts::Principal& caller, const std::string& pair_id,
                       PairState state, const std::string& note);
  Result<std::vector<Pair>> Pairs(const std::string& listing_id);

  struct Stats {
    int64_t demands = 0, capabilities = 0, open_demands = 0;
    std::map<std::string, int64_t> pairs_by_state;  // by PairStateName
  };
  Result<Stats> GetStats();

 private:
  struct Memory;
  Status Refresh();

  store::Store& store_;
  ScenarioOptions options_;
  std::unique_ptr<Segmenter> segmenter_;
  std::mutex mu_;
  std::unique_ptr<Memory> memory_;
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_SCENARIOS_H_
