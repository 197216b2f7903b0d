// Choosing the byte masks for the CPU: one kernel, written once over an ISA's Bytes64 (load 64
// bytes, compare them to a byte, get a 64-bit mask) and count_equal, is compiled for each ISA,
// and dispatch() runs the widest one the CPU has, as cpu_features.hpp found it at start-up.
//
// A kernel is a generic lambda taking the ISA as a tag:
//
//   simd::dispatch([&]<class Isa>(std::type_identity<Isa>) {
//     const auto bytes = Isa::Bytes64::load(p);
//     return bytes.eq('\n');
//   });
//
// avx2.hpp, sse2.hpp and portable.hpp hold the three ISAs, each the same small interface.
#pragma once

#include <type_traits>

#include "simd/cpu_features.hpp"
#include "simd/portable.hpp"

#ifdef __x86_64__
#include "simd/avx2.hpp"
#include "simd/sse2.hpp"
#endif

namespace gpipe::simd {

// The ISA that every CPU the binary is built for has.
#ifdef __x86_64__
using Baseline = Sse2;
#else
using Baseline = Portable;
#endif

// Runs `kernel` for one ISA. For a baseline ISA, a plain call, inlined.
template <class Isa, class Kernel>
[[gnu::always_inline]] inline decltype(auto) run_as(Kernel&& kernel) {
  return kernel(std::type_identity<Isa>{});
}

#ifdef __x86_64__
// For AVX2: the kernel compiled for AVX2 (and BMI and POPCNT, which every CPU with AVX2 has:
// bit scans and counts of the masks take one instruction), with everything it calls inlined
// into it (flatten), so that no vector register is passed across a call, and no call is made
// per 64 bytes (it would cost what AVX2 gains).
template <class Isa, class Kernel>
requires std::is_same_v<Isa, Avx2>
[[gnu::target("avx2,bmi,popcnt"), gnu::flatten]] decltype(auto) run_as(Kernel&& kernel) {
  return kernel(std::type_identity<Avx2>{});
}
#endif

// Runs `kernel` for the widest ISA this CPU has.
template <class Kernel>
[[gnu::always_inline]] inline decltype(auto) dispatch(Kernel&& kernel) {
#ifdef __x86_64__
  if (kHaveAvx2) return run_as<Avx2>(kernel);
#endif
  return run_as<Baseline>(kernel);
}

}  // namespace gpipe::simd
