#include "core/qr.h"

#include <png.h>
#include <qrencode.h>

#include <memory>
#include <vector>

namespace qt {
namespace {

constexpr int kQuiet = 4;

using QrPtr = std::unique_ptr<QRcode, decltype(&QRcode_free)>;

Result<QrPtr> Encode(const std::string& text) {
  QrPtr code(QRcode_encodeString8bit(text.c_str(), 0, QR_ECLEVEL_M), QRcode_free);
  if (!code)
    return InvalidArgument("cannot encode a QR code of " + std::to_string(text.size()) + " bytes");
  return code;
}

bool Dark(const QRcode& code, int x, int y) { return code.data[y * code.width + x] & 1; }

}  // namespace

Result<std::string> QrSvg(const std::string& text, int scale) {
  QT_ASSIGN_OR_RETURN(QrPtr code, Encode(text));
  const int modules = code->width + 2 * kQuiet;
  const std::string size = std::to_string(modules * scale), box = std::to_string(modules);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + size + "\" height=\"" +
                    size + "\" viewBox=\"0 0 " + box + " " + box +
                    "\" shape-rendering=\"crispEdges\"><rect width=\"100%\" height=\"100%\" "
                    "fill=\"#fff\"/><path fill=\"#000\" d=\"";
  for (int y = 0; y < code->width; ++y) {
    for (int x = 0; x < code->width; ++x) {
      if (Dark(*code, x, y)) {
        svg += "M" + std::to_string(x + kQuiet) + " " + std::to_string(y + kQuiet) + "h1v1h-1z";
      }
    }
  }
  svg += "\"/></svg>";
  return svg;
}

Result<std::string> QrPng(const std::string& text, int scale) {
  if (scale < 1 || scale > 32) return InvalidArgument("scale: must be 1..32");
  QT_ASSIGN_OR_RETURN(QrPtr code, Encode(text));
  const int side = (code->width + 2 * kQuiet) * scale;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    return Internal("png: cannot initialise libpng");
  }
  std::string out;
  std::vector<png_byte> row(side);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return Internal("png: libpng failed");
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))
            ->append(reinterpret_cast<const char*>(data), n);
      },
      nullptr);
  png_set_IHDR(png, info, side, side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < side; ++y) {
    const int my = y / scale - kQuiet;
    for (int x = 0; x < side; ++x) {
      const int mx = x / scale - kQuiet;
      const bool inside = mx >= 0 && my >= 0 && mx < code->width && my < code->width;
      row[x] = inside && Dark(*code, mx, my) ? 0 : 255;
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

}  // namespace qt
