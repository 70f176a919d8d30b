#include "match/segmenter.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

namespace qt::match {
namespace {

// Function words that carry no meaning for matching.
bool IsStopWord(const std::string& w) {
  static const std::unordered_set<std::string> kStop = {
      "的", "了",  "和", "与", "及", "在",   "是",   "对",   "为",   "等",  "将",
      "并", "或",  "把", "被", "从", "向",   "以",   "于",   "之",   "其",  "中",
      "上", "下",  "也", "都", "而", "及其", "以及", "一个", "进行", "the", "a",
      "an", "and", "or", "of", "to", "in",   "for",  "on",   "with"};
  return kStop.contains(w);
}

// NFKC + lower case, as UTF-16.
std::u16string Normalize(const icu::UnicodeString& s) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(status);
  icu::UnicodeString out = U_SUCCESS(status) ? nfkc->normalize(s, status) : s;
  if (U_FAILURE(status)) out = s;
  out.toLower(icu::Locale::getRoot());
  return std::u16string(reinterpret_cast<const char16_t*>(out.getBuffer()),
                        static_cast<size_t>(out.length()));
}

std::string Utf8(const std::u16string& s) {
  std::string out;
  icu::UnicodeString(s.data(), static_cast<int32_t>(s.size())).toUTF8String(out);
  return out;
}

}  // namespace

Segmenter::~Segmenter() = default;

Result<std::unique_ptr<Segmenter>> Segmenter::Create(const std::vector<std::string>& user_terms) {
  std::unique_ptr<Segmenter> s(new Segmenter());
  UErrorCode status = U_ZERO_ERROR;
  s->words_.reset(icu::BreakIterator::createWordInstance(icu::Locale::getChinese(), status));
  if (U_FAILURE(status))
    return Internal(std::string("ICU word break iterator: ") + u_errorName(status));
  for (const std::string& t : user_terms) {
    std::u16string term = Normalize(icu::UnicodeString::fromUTF8(t));
    if (term.size() < 2) continue;
    s->longest_ = std::max(s->longest_, term.size());
    s->owned_.push_back(std::move(term));
    s->terms_.insert(s->owned_.back());
  }
  return s;
}

std::vector<std::string> Segmenter::Segment(std::string_view text) const {
  const std::u16string norm = Normalize(icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))));
  std::vector<std::string> out;
  std::unique_ptr<icu::BreakIterator> words(words_->clone());
  // ICU segments the stretches between user-dictionary terms.
  auto icu_segment = [&](size_t from, size_t to) {
    if (from >= to) return;
    icu::UnicodeString part(norm.data() + from, static_cast<int32_t>(to - from));
    words->setText(part);
    int32_t start = words->first();
    for (int32_t end = words->next(); end != icu::BreakIterator::DONE;
         start = end, end = words->next()) {
      if (words->getRuleStatus() == UBRK_WORD_NONE) continue;  // spaces, punctuation
      icu::UnicodeString w = part.tempSubStringBetween(start, end);
      std::string utf8;
      w.toUTF8String(utf8);
      if (!IsStopWord(utf8)) out.push_back(std::move(utf8));
    }
  };
  const std::u16string_view view(norm);
  size_t plain_from = 0;
  for (size_t i = 0; i < norm.size();) {
    size_t matched = 0;
    for (size_t len = std::min(longest_, norm.size() - i); len >= 2; --len) {
      if (terms_.contains(view.substr(i, len))) {
        matched = len;
        break;
      }
    }
    if (matched == 0) {
      ++i;
      continue;
    }
    icu_segment(plain_from, i);
    out.push_back(Utf8(norm.substr(i, matched)));
    i += matched;
    plain_from = i;
  }
  icu_segment(plain_from, norm.size());
  return out;
}

}  // namespace qt::match
