// Full-text search over short Chinese documents (demands, capabilities,
// products, policies): BM25 in an inverted index, with fields and boosts, and
// tags and a structured filter combined into one score.
//
// Score of document d for query q (terms t from the segmenter):
//   text(d)  = sum over fields f of boost_f * sum over t of
//              idf(t) * tf(t,f,d) * (k1 + 1) / (tf(t,f,d) + k1 * (1 - b + b * len(f,d) /
//              avglen(f)))
//   idf(t)   = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))      (n(t): documents containing t)
//   score(d) = text(d) + tag_weight * |tags(q) ∩ tags(d)| / |tags(q)|
// with k1 = 1.2, b = 0.75. Documents the filter refuses are not returned; a
// document with neither a text nor a tag match is not returned.
//
// Thread-safety: add documents on one thread; Search is const and may run
// concurrently.
#ifndef QIANTANG_MATCH_TEXT_INDEX_H_
#define QIANTANG_MATCH_TEXT_INDEX_H_

#include <array>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "match/segmenter.h"

namespace qt::match {

struct TextDocument {
  std::vector<std::string> fields;  // one text per field, in the index's field order
  std::vector<std::string> tags;
};

struct SearchHit {
  int doc = 0;
  double score = 0;
  double text_score = 0;
  int tags_matched = 0;
};

class TextIndex {
 public:
  static constexpr size_t kMaxQueryBytes = 2000;
  static constexpr size_t kMaxDocumentBytes = 64 * 1024;

  // `boosts`: one per field, at most 4 (e.g. title 2.0, body 1.0).
  TextIndex(const Segmenter& segmenter, std::vector<double> boosts, double tag_weight = 1.0);

  // Documents are numbered 0, 1, 2... in the order added.
  Result<int> Add(const TextDocument& doc);
  size_t size() const { return docs_; }

  // The `limit` best documents for the query text and tags, among those
  // `filter` accepts (null: all). invalid_argument for an empty or oversized
  // query.
  Result<std::vector<SearchHit>> Search(std::string_view text, const std::vector<std::string>& tags,
                                        size_t limit,
                                        const std::function<bool(int doc)>& filter = nullptr) const;

 private:
  static constexpr size_t kMaxFields = 4;
  struct Posting {
    int doc;
    std::array<uint16_t, kMaxFields> tf;  // per field
  };
  const Segmenter& segmenter_;
  std::vector<double> boosts_;
  double tag_weight_;
  size_t docs_ = 0;
  std::vector<std::vector<uint32_t>> lengths_;  // by field, by doc
  std::vector<double> total_length_;            // by field
  std::unordered_map<std::string, std::vector<Posting>> postings_;
  std::unordered_map<std::string, std::vector<int>> tag_docs_;
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_TEXT_INDEX_H_
