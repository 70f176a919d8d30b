#include "match/index.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

namespace qt::match {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool IsTermOp(Op op) {
  return op == Op::kEq || op == Op::kIn || op == Op::kHas || op == Op::kHasAny || op == Op::kHasAll;
}
bool IsRangeOp(Op op) {
  return op == Op::kEq || op == Op::kLt || op == Op::kLe || op == Op::kGt || op == Op::kGe ||
         op == Op::kBetween || op == Op::kTrue;
}

// The values of a numeric clause's slot that can satisfy it, as [lo, hi]
// (strict bounds widened: the clause is evaluated on the candidates anyway).
std::optional<std::pair<double, double>> RangeOf(const Clause& c, double today) {
  if (c.type == Type::kString || c.type == Type::kSet) return std::nullopt;
  double lo = -kInf, hi = kInf;
  switch (c.op) {
    case Op::kEq:
      lo = hi = c.a;
      break;
    case Op::kLt:
    case Op::kLe:
      hi = c.a;
      break;
    case Op::kGt:
    case Op::kGe:
      lo = c.a;
      break;
    case Op::kBetween:
      lo = c.a;
      hi = c.b;
      break;
    case Op::kTrue:
      lo = hi = 1;
      break;
    default:
      return std::nullopt;
  }
  if (c.years_since) {  // years since a date: a range of dates, reversed
    constexpr double kYear = 365.2425;
    const double from = hi == kInf ? -kInf : today - hi * kYear - 1;
    const double to = lo == -kInf ? kInf : today - lo * kYear + 1;
    lo = from;
    hi = to;
  }
  return std::make_pair(lo, hi);
}

}  // namespace

MatchIndex::MatchIndex(const Schema& schema) : schema_(schema) {}

MatchIndex::Anchor MatchIndex::AnchorOf(const Rule& rule, const Clause& c) const {
  (void)rule;
  Anchor a;
  if ((c.type == Type::kString || c.type == Type::kSet) && IsTermOp(c.op)) {
    a.kind = Anchor::kTerm;
    a.type = c.type;
    a.slot = c.slot;
    // has all: any one of the values is necessary; file under the first.
    a.terms = c.op == Op::kHasAll ? std::vector<int32_t>{c.ids.front()} : c.ids;
  } else if (c.type != Type::kString && c.type != Type::kSet && IsRangeOp(c.op) && !c.years_since) {
    a.kind = Anchor::kRange;
    a.slot = c.slot;
    switch (c.op) {
      case Op::kEq:
        a.lo = a.hi = c.a;
        break;
      case Op::kLt:
      case Op::kLe:
        a.lo = -kInf;
        a.hi = c.a;
        break;
      case Op::kGt:
      case Op::kGe:
        a.lo = c.a;
        a.hi = kInf;
        break;
      case Op::kBetween:
        a.lo = c.a;
        a.hi = c.b;
        break;
      case Op::kTrue:
        a.lo = a.hi = 1;
        break;
      default:
        break;
    }
  }
  return a;
}

size_t MatchIndex::Selectivity(const Rule& rule, int clause) const {
  const Anchor a = AnchorOf(rule, rule.clauses()[clause]);
  if (a.kind == Anchor::kTerm) {
    size_t n = 0;
    for (int32_t t : a.terms) {
      auto it = postings_.find(TermKey(a.type, a.slot, t));
      if (it != postings_.end()) n += it->second.size();
    }
    return n;
  }
  if (a.kind == Anchor::kRange && static_cast<size_t>(a.slot) < columns_.size()) {
    const auto& col = columns_[a.slot];
    auto lo = std::lower_bound(col.begin(), col.end(), std::make_pair(a.lo, -1));
    auto hi = std::upper_bound(col.begin(), col.end(),
                               std::make_pair(a.hi, std::numeric_limits<int>::max()));
    return static_cast<size_t>(std::max<std::ptrdiff_t>(0, hi - lo));
  }
  return SIZE_MAX;
}

void MatchIndex::AddRule(int id, const Rule& rule) {
  RemoveRule(id);
  rules_[id] = &rule;
  // File under the required clause that selects the fewest entities (terms
  // before ranges when there are no entities yet to measure).
  int best = -1;
  size_t best_n = SIZE_MAX;
  for (int c : rule.RequiredClauses()) {
    const Anchor a = AnchorOf(rule, rule.clauses()[c]);
    if (a.kind == Anchor::kNone) continue;
    size_t n = entities_.empty() ? (a.kind == Anchor::kTerm ? 0 : 1) : Selectivity(rule, c);
    if (best < 0 || n < best_n) {
      best = c;
      best_n = n;
    }
  }
  if (best < 0) {
    unindexed_.push_back(id);
    anchors_[id] = Anchor{};
    return;
  }
  const Anchor a = AnchorOf(rule, rule.clauses()[best]);
  anchors_[id] = a;
  if (a.kind == Anchor::kTerm) {
    for (int32_t t : a.terms) rule_terms_[TermKey(a.type, a.slot, t)].push_back(id);
  } else {
    auto& list = rule_ranges_[a.slot];
    RangeEntry e{a.lo, a.hi, id};
    list.insert(
        std::upper_bound(list.begin(), list.end(), e,
                         [](const RangeEntry& x, const RangeEntry& y) { return x.lo < y.lo; }),
        e);
  }
}

void MatchIndex::RemoveRule(int id) {
  auto it = anchors_.find(id);
  if (it == anchors_.end()) return;
  const Anchor& a = it->second;
  if (a.kind == Anchor::kTerm) {
    for (int32_t t : a.terms) std::erase(rule_terms_[TermKey(a.type, a.slot, t)], id);
  } else if (a.kind == Anchor::kRange) {
    std::erase_if(rule_ranges_[a.slot], [&](const RangeEntry& e) { return e.rule == id; });
  } else {
    std::erase(unindexed_, id);
  }
  anchors_.erase(it);
  rules_.erase(id);
}

void MatchIndex::IndexEntity(int position, const Entity& e, bool add) {
  auto update = [&](std::vector<int>& list) {
    auto at = std::lower_bound(list.begin(), list.end(), position);
    if (add) {
      if (at == list.end() || *at != position) list.insert(at, position);
    } else if (at != list.end() && *at == position) {
      list.erase(at);
    }
  };
  for (size_t slot = 0; slot < e.strings.size(); ++slot) {
    if (e.strings[slot] >= 0)
      update(postings_[TermKey(Type::kString, static_cast<int>(slot), e.strings[slot])]);
  }
  for (size_t slot = 0; slot < e.sets.size(); ++slot) {
    for (int32_t t : e.sets[slot])
      update(postings_[TermKey(Type::kSet, static_cast<int>(slot), t)]);
  }
  if (columns_.size() < e.numbers.size()) columns_.resize(e.numbers.size());
  for (size_t slot = 0; slot < e.numbers.size(); ++slot) {
    if (std::isnan(e.numbers[slot])) continue;
    auto& col = columns_[slot];
    const std::pair<double, int> entry{e.numbers[slot], position};
    auto at = std::lower_bound(col.begin(), col.end(), entry);
    if (add) {
      col.insert(at, entry);
    } else if (at != col.end() && *at == entry) {
      col.erase(at);
    }
  }
}

void MatchIndex::SetEntities(const std::vector<Entity>& entities) {
  postings_.clear();
  columns_.clear();
  entities_.clear();
  for (const Entity& e : entities) entities_.push_back(&e);
  // Built in bulk: append in position order, then sort the columns once.
  for (size_t p = 0; p < entities.size(); ++p) {
    const Entity& e = entities[p];
    const int pos = static_cast<int>(p);
    for (size_t slot = 0; slot < e.strings.size(); ++slot) {
      if (e.strings[slot] >= 0)
        postings_[TermKey(Type::kString, static_cast<int>(slot), e.strings[slot])].push_back(pos);
    }
    for (size_t slot = 0; slot < e.sets.size(); ++slot) {
      for (int32_t t : e.sets[slot])
        postings_[TermKey(Type::kSet, static_cast<int>(slot), t)].push_back(pos);
    }
    if (columns_.size() < e.numbers.size()) columns_.resize(e.numbers.size());
    for (size_t slot = 0; slot < e.numbers.size(); ++slot) {
      if (!std::isnan(e.numbers[slot])) columns_[slot].emplace_back(e.numbers[slot], pos);
    }
  }
  for (auto& col : columns_) std::sort(col.begin(), col.end());
}

void MatchIndex::UpdateEntity(int position, const Entity& entity) {
  // Only the values that changed move (a profile change touches a few).
  const Entity& old = *entities_[position];
  Entity removed{old.id, std::vector<double>(old.numbers.size(), Schema::kMissing),
                 std::vector<int32_t>(old.strings.size(), -1),
                 std::vector<std::vector<int32_t>>(old.sets.size())};
  Entity added{entity.id, std::vector<double>(entity.numbers.size(), Schema::kMissing),
               std::vector<int32_t>(entity.strings.size(), -1),
               std::vector<std::vector<int32_t>>(entity.sets.size())};
  auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  for (size_t i = 0; i < old.numbers.size(); ++i) {
    if (!same(old.numbers[i], entity.numbers[i])) {
      removed.numbers[i] = old.numbers[i];
      added.numbers[i] = entity.numbers[i];
    }
  }
  for (size_t i = 0; i < old.strings.size(); ++i) {
    if (old.strings[i] != entity.strings[i]) {
      removed.strings[i] = old.strings[i];
      added.strings[i] = entity.strings[i];
    }
  }
  for (size_t i = 0; i < old.sets.size(); ++i) {
    if (old.sets[i] != entity.sets[i]) {
      removed.sets[i] = old.sets[i];
      added.sets[i] = entity.sets[i];
    }
  }
  IndexEntity(position, removed, false);
  entities_[position] = &entity;
  IndexEntity(position, added, true);
}

int MatchIndex::AddEntity(const Entity& entity) {
  const int position = static_cast<int>(entities_.size());
  entities_.push_back(&entity);
  IndexEntity(position, entity, true);
  return position;
}

std::vector<int> MatchIndex::RulesFor(const Entity& e, double today) const {
  std::vector<int> candidates = unindexed_;
  for (size_t slot = 0; slot < e.strings.size(); ++slot) {
    if (e.strings[slot] < 0) continue;
    auto it = rule_terms_.find(TermKey(Type::kString, static_cast<int>(slot), e.strings[slot]));
    if (it != rule_terms_.end())
      candidates.insert(candidates.end(), it->second.begin(), it->second.end());
  }
  for (size_t slot = 0; slot < e.sets.size(); ++slot) {
    for (int32_t t : e.sets[slot]) {
      auto it = rule_terms_.find(TermKey(Type::kSet, static_cast<int>(slot), t));
      if (it != rule_terms_.end())
        candidates.insert(candidates.end(), it->second.begin(), it->second.end());
    }
  }
  for (const auto& [slot, list] : rule_ranges_) {
    const double v = e.numbers[slot];
    if (std::isnan(v)) continue;
    for (const RangeEntry& r : list) {
      if (r.lo > v) break;
      if (r.hi >= v) candidates.push_back(r.rule);
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  std::vector<int> out;
  for (int id : candidates) {
    if (rules_.at(id)->Matches(e, today)) out.push_back(id);
  }
  return out;
}

std::vector<int> MatchIndex::EntitiesFor(const Rule& rule, double today) const {
  const size_t n = entities_.size();
  const size_t words = (n + 63) / 64;
  std::vector<int> out;
  auto check = [&](int p) {
    if (rule.Matches(*entities_[p], today)) out.push_back(p);
  };
  // The candidates: the intersection, as bitsets, of the entities of every
  // required clause the index can answer — a string or set clause (an
  // in-list or "has any" is the union of its values', "has all" the
  // intersection) or a numeric range (years_since becomes a range of dates).
  // Clauses that select nearly everyone are skipped.
  std::vector<uint64_t> candidates;
  bool have = false;
  auto intersect = [&](std::vector<uint64_t> bits) {
    if (!have) {
      candidates = std::move(bits);
      have = true;
    } else {
      for (size_t w = 0; w < words; ++w) candidates[w] &= bits[w];
    }
  };
  for (int c : rule.RequiredClauses()) {
    const Clause& clause = rule.clauses()[c];
    if (clause.type == Type::kString || clause.type == Type::kSet) {
      const Anchor a = AnchorOf(rule, clause);
      if (a.kind != Anchor::kTerm) continue;
      if (Selectivity(rule, c) * 10 > n * 9 && clause.op != Op::kHasAll) continue;
      std::vector<uint64_t> bits(words, clause.op == Op::kHasAll ? ~uint64_t{0} : 0);
      for (int32_t t : clause.ids) {
        auto it = postings_.find(TermKey(a.type, a.slot, t));
        if (clause.op == Op::kHasAll) {
          std::vector<uint64_t> one(words, 0);
          if (it != postings_.end()) {
            for (int p : it->second) one[p >> 6] |= uint64_t{1} << (p & 63);
          }
          for (size_t w = 0; w < words; ++w) bits[w] &= one[w];
        } else if (it != postings_.end()) {
          for (int p : it->second) bits[p >> 6] |= uint64_t{1} << (p & 63);
        }
      }
      intersect(std::move(bits));
      continue;
    }
    auto range = RangeOf(clause, today);
    if (!range || static_cast<size_t>(clause.slot) >= columns_.size()) continue;
    const auto& col = columns_[clause.slot];
    auto lo = std::lower_bound(col.begin(), col.end(), std::make_pair(range->first, -1));
    auto hi = std::upper_bound(col.begin(), col.end(),
                               std::make_pair(range->second, std::numeric_limits<int>::max()));
    if (static_cast<size_t>(std::max<std::ptrdiff_t>(0, hi - lo)) * 10 > n * 9) continue;
    std::vector<uint64_t> bits(words, 0);
    for (auto it = lo; it < hi; ++it) bits[it->second >> 6] |= uint64_t{1} << (it->second & 63);
    intersect(std::move(bits));
  }
  if (have) {
    for (size_t w = 0; w < words; ++w) {
      for (uint64_t b = candidates[w]; b != 0; b &= b - 1)
        check(static_cast<int>(w * 64 + std::countr_zero(b)));
    }
    return out;
  }
  // No term clause: the most selective range clause, else every entity.
  int best = -1;
  size_t best_n = SIZE_MAX;
  for (int c : rule.RequiredClauses()) {
    const size_t selected = Selectivity(rule, c);
    if (selected < best_n) {
      best = c;
      best_n = selected;
    }
  }
  if (best < 0) {
    for (size_t p = 0; p < n; ++p) check(static_cast<int>(p));
    return out;
  }
  // (Only reached when every clause selects nearly everyone: few entities.)
  const Anchor a = AnchorOf(rule, rule.clauses()[best]);
  if (a.kind == Anchor::kTerm) {
    std::vector<int> positions;
    for (int32_t t : a.terms) {
      auto it = postings_.find(TermKey(a.type, a.slot, t));
      if (it != postings_.end())
        positions.insert(positions.end(), it->second.begin(), it->second.end());
    }
    std::sort(positions.begin(), positions.end());
    positions.erase(std::unique(positions.begin(), positions.end()), positions.end());
    for (int p : positions) check(p);
    return out;
  }
  const auto& col = columns_[a.slot];
  auto lo = std::lower_bound(col.begin(), col.end(), std::make_pair(a.lo, -1));
  auto hi = std::upper_bound(col.begin(), col.end(),
                             std::make_pair(a.hi, std::numeric_limits<int>::max()));
  for (auto it = lo; it != hi; ++it) check(it->second);
  std::sort(out.begin(), out.end());
  return out;
}

std::map<int, std::vector<int>> MatchIndex::Screen(double today, int threads) const {
  std::vector<std::pair<int, const Rule*>> work(rules_.begin(), rules_.end());
  std::sort(work.begin(), work.end());
  std::vector<std::vector<int>> results(work.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next.fetch_add(1)) < work.size();)
      results[i] = EntitiesFor(*work[i].second, today);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  std::map<int, std::vector<int>> out;
  for (size_t i = 0; i < work.size(); ++i) out[work[i].first] = std::move(results[i]);
  return out;
}

}  // namespace qt::match
