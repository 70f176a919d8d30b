#include "match/text_index.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace qt::match {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

}  // namespace

TextIndex::TextIndex(const Segmenter& segmenter, std::vector<double> boosts, double tag_weight)
    : segmenter_(segmenter),
      boosts_(boosts.begin(),
              boosts.begin() + static_cast<std::ptrdiff_t>(std::min(boosts.size(), kMaxFields))),
      tag_weight_(tag_weight),
      lengths_(std::min(boosts_.size(), kMaxFields)),
      total_length_(boosts_.size(), 0) {}

Result<int> TextIndex::Add(const TextDocument& doc) {
  if (doc.fields.size() != boosts_.size()) {
    return InvalidArgument("document: expected " + std::to_string(boosts_.size()) + " fields");
  }
  size_t bytes = 0;
  for (const std::string& f : doc.fields) bytes += f.size();
  if (bytes > kMaxDocumentBytes) return InvalidArgument("document: larger than 64 KiB of text");
  const int id = static_cast<int>(docs_++);
  std::map<std::string, std::array<uint16_t, kMaxFields>> tf;
  for (size_t f = 0; f < doc.fields.size(); ++f) {
    const std::vector<std::string> tokens = segmenter_.Segment(doc.fields[f]);
    lengths_[f].push_back(static_cast<uint32_t>(tokens.size()));
    total_length_[f] += static_cast<double>(tokens.size());
    for (const std::string& t : tokens) {
      auto& counts = tf.try_emplace(t, std::array<uint16_t, kMaxFields>{}).first->second;
      if (counts[f] < UINT16_MAX) ++counts[f];
    }
  }
  for (const auto& [term, counts] : tf) postings_[term].push_back({id, counts});
  for (const std::string& tag : doc.tags) {
    auto& list = tag_docs_[tag];
    if (list.empty() || list.back() != id) list.push_back(id);
  }
  return id;
}

Result<std::vector<SearchHit>> TextIndex::Search(std::string_view text,
                                                 const std::vector<std::string>& tags, size_t limit,
                                                 const std::function<bool(int)>& filter) const {
  if (text.size() > kMaxQueryBytes) return InvalidArgument("query: longer than 2000 bytes");
  std::vector<std::string> terms = segmenter_.Segment(text);
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  if (terms.empty() && tags.empty()) return InvalidArgument("query: no words and no tags");
  const double n = static_cast<double>(docs_);
  // Scores accumulate in arrays over all documents (a query's common words
  // touch most of them); `touched` lists those with any.
  std::vector<double> text_score(docs_, 0.0);
  std::vector<int> tag_count(docs_, 0);
  std::vector<int> touched;
  for (const std::string& t : terms) {
    auto it = postings_.find(t);
    if (it == postings_.end()) continue;
    const double df = static_cast<double>(it->second.size());
    const double idf = std::log(1 + (n - df + 0.5) / (df + 0.5));
    for (const Posting& p : it->second) {
      double s = 0;
      for (size_t f = 0; f < boosts_.size(); ++f) {
        if (p.tf[f] == 0) continue;
        const double avg = total_length_[f] / n;
        const double norm = 1 - kB + kB * lengths_[f][p.doc] / (avg > 0 ? avg : 1);
        s += boosts_[f] * idf * p.tf[f] * (kK1 + 1) / (p.tf[f] + kK1 * norm);
      }
      if (text_score[p.doc] == 0 && tag_count[p.doc] == 0) touched.push_back(p.doc);
      text_score[p.doc] += s;
    }
  }
  for (const std::string& tag : tags) {
    auto it = tag_docs_.find(tag);
    if (it == tag_docs_.end()) continue;
    for (int d : it->second) {
      if (text_score[d] == 0 && tag_count[d] == 0) touched.push_back(d);
      ++tag_count[d];
    }
  }
  std::vector<SearchHit> out;
  out.reserve(touched.size());
  for (int doc : touched) {
    if (filter && !filter(doc)) continue;
    SearchHit h{doc, 0, text_score[doc], tag_count[doc]};
    h.score = h.text_score +
              (tags.empty() ? 0 : tag_weight_ * h.tags_matched / static_cast<double>(tags.size()));
    out.push_back(h);
  }
  const size_t k = std::min(limit, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k), out.end(),
                    [](const SearchHit& a, const SearchHit& b) {
                      return a.score != b.score ? a.score > b.score : a.doc < b.doc;
                    });
  out.resize(k);
  return out;
}

}  // namespace qt::match
