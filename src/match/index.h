// Matching rules and entities without comparing every pair, in the manner of
// a percolator, both ways:
//
// - RulesFor(entity): the rules an entity satisfies. Each rule is filed under
//   one "anchor" clause every match must satisfy (an equality, an in-list, a
//   set membership, or a numeric range); an entity looks up the rules filed
//   under its own values and evaluates only those, plus the few rules with no
//   indexable clause. This is the incremental path: one profile changed.
// - EntitiesFor(rule): the entities that satisfy a rule — a new product or
//   policy. Entities are indexed by value (postings per string and set value,
//   a sorted column per number); the candidates are the intersection (as
//   bitsets) of the entities of every required string or set clause, else the
//   range of the most selective numeric clause; only they are evaluated.
// - Screen(): every rule against every entity, as EntitiesFor per rule on
//   several threads: the batch.
//
// Rules and entities are referenced, not copied: they must outlive the index
// (and be removed before they change).
//
// Thread-safety: build and update on one thread; queries are const and may
// run concurrently with each other.
#ifndef QIANTANG_MATCH_INDEX_H_
#define QIANTANG_MATCH_INDEX_H_

#include <map>
#include <unordered_map>
#include <vector>

#include "match/rule.h"
#include "match/schema.h"

namespace qt::match {

class MatchIndex {
 public:
  explicit MatchIndex(const Schema& schema);

  // Rules, by caller-chosen id (dense small integers are best).
  void AddRule(int id, const Rule& rule);
  void RemoveRule(int id);
  size_t rule_count() const { return rules_.size(); }

  // Entities, by position 0..n-1. SetEntities replaces all; UpdateEntity
  // replaces one (the index then refers to `entity`, the old one may go).
  void SetEntities(const std::vector<Entity>& entities);
  void UpdateEntity(int position, const Entity& entity);
  // Appends an entity; returns its position.
  int AddEntity(const Entity& entity);

  // Rule ids the entity satisfies, ascending. `today`: days since the epoch.
  std::vector<int> RulesFor(const Entity& e, double today) const;
  // Entity positions satisfying the rule, ascending.
  std::vector<int> EntitiesFor(const Rule& rule, double today) const;
  // Every rule's entity positions, by rule id, using `threads` threads.
  std::map<int, std::vector<int>> Screen(double today, int threads) const;

  // Rules filed under no anchor (checked against every entity).
  size_t unindexed_rules() const { return unindexed_.size(); }

 private:
  struct Anchor {
    enum Kind { kNone, kTerm, kRange } kind = kNone;
    Type type = Type::kString;  // kTerm: string or set
    int slot = 0;
    std::vector<int32_t> terms;  // kTerm: the rule is filed under each
    double lo = 0, hi = 0;       // kRange: [lo, hi] on numbers[slot]
  };
  struct RangeEntry {
    double lo, hi;
    int rule;
  };
  static int64_t TermKey(Type type, int slot, int32_t term) {
    return (static_cast<int64_t>(type == Type::kSet ? 1 : 0) << 62) |
           (static_cast<int64_t>(slot) << 32) | static_cast<uint32_t>(term);
  }
  Anchor AnchorOf(const Rule& rule, const Clause& c) const;
  // The number of entities a clause's anchor would select (SIZE_MAX if it cannot).
  size_t Selectivity(const Rule& rule, int clause) const;
  void IndexEntity(int position, const Entity& e, bool add);

  const Schema& schema_;
  // Rules side.
  std::unordered_map<int, const Rule*> rules_;
  std::unordered_map<int, Anchor> anchors_;
  std::unordered_map<int64_t, std::vector<int>> rule_terms_;
  std::unordered_map<int, std::vector<RangeEntry>> rule_ranges_;  // by number slot, sorted by lo
  std::vector<int> unindexed_;
  // Entities side.
  std::vector<const Entity*> entities_;
  std::unordered_map<int64_t, std::vector<int>> postings_;    // sorted positions
  std::vector<std::vector<std::pair<double, int>>> columns_;  // by number slot, sorted
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_INDEX_H_
