// Chinese (and mixed) word segmentation: ICU's dictionary-based word break
// iterator, with a user dictionary of domain terms applied on top of it by
// longest match (a term in the dictionary is kept whole even where ICU's
// dictionary would split it: "专精特新", "算力券", "首台套"). Tokens are NFKC-
// normalised and lower-cased (full-width letters and digits fold to ASCII);
// punctuation and spaces are dropped.
//
// Thread-safety: Segment is const and safe to call concurrently (each call
// clones its break iterator).
#ifndef QIANTANG_MATCH_SEGMENTER_H_
#define QIANTANG_MATCH_SEGMENTER_H_

#include <unicode/uversion.h>

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/status.h"

U_NAMESPACE_BEGIN
class BreakIterator;
U_NAMESPACE_END

namespace qt::match {

class Segmenter {
 public:
  // `user_terms`: domain terms (UTF-8), each kept as one token.
  static Result<std::unique_ptr<Segmenter>> Create(const std::vector<std::string>& user_terms);
  ~Segmenter();

  std::vector<std::string> Segment(std::string_view text) const;

 private:
  Segmenter() = default;
  std::unique_ptr<icu::BreakIterator> words_;
  std::deque<std::u16string> owned_;               // the terms (stable addresses)
  std::unordered_set<std::u16string_view> terms_;  // views of owned_
  size_t longest_ = 0;                             // UTF-16 units of the longest term
};

}  // namespace qt::match

#endif  // QIANTANG_MATCH_SEGMENTER_H_
