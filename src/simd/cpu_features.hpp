// What the CPU running gpipe can do, asked once: the kernels compiled for more than the x86-64
// baseline are chosen with this at run time (dispatch.hpp), so the binary still runs on CPUs
// without them.
#pragma once

namespace gpipe {

#if defined(__x86_64__) && !defined(GPIPE_BASELINE_SIMD)
// The AVX2 kernels also use BMI1 and POPCNT (simd/dispatch.hpp), which every CPU with AVX2 has;
// a virtual machine might still hide them, so they are asked for too.
inline const bool kHaveAvx2 = [] {
  __builtin_cpu_init();  // static initialisers may run before libgcc's own
  return __builtin_cpu_supports("avx2") != 0 && __builtin_cpu_supports("bmi") != 0 &&
         __builtin_cpu_supports("popcnt") != 0;
}();
#else
inline constexpr bool kHaveAvx2 = false;
#endif

}  // namespace gpipe
