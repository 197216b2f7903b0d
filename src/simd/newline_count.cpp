#include "simd/newline_count.hpp"

#include "simd/dispatch.hpp"

namespace gpipe {

std::uint64_t count_newlines(const char* begin, const char* end) {
  return simd::dispatch(
      [&]<class Isa>(std::type_identity<Isa>) { return Isa::count_equal(begin, end, '\n'); });
}

}  // namespace gpipe
