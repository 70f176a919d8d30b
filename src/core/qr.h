// QR codes of text (libqrencode, error correction M), as SVG or PNG (libpng,
// 8-bit grey), `scale` pixels per module with a 4-module quiet zone.
//
// Thread-safety: pure functions.
#ifndef QIANTANG_CORE_QR_H_
#define QIANTANG_CORE_QR_H_

#include <string>

#include "core/status.h"

namespace qt {

Result<std::string> QrSvg(const std::string& text, int scale = 4);
// The PNG file's bytes.
Result<std::string> QrPng(const std::string& text, int scale = 4);

}  // namespace qt

#endif  // QIANTANG_CORE_QR_H_
