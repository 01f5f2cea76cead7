#pragma once
// Foghorn's edge score (DESIGN.md section 4), part by part.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace fleetledger::projections::edges::detail {

inline constexpr double weight_cpu = 500.0;
inline constexpr double weight_ram = 500.0;
inline constexpr double weight_bw = 1000.0;
inline constexpr double weight_geo = 1000.0;
inline constexpr double bw_full_bytes_per_sec = 1.25e9;  // 10 Gbit/s earns the whole BW weight
inline constexpr double cross_cluster_penalty = 200.0;

// cpu = 500 * (1 - cpu%/100), cpu% clamped to [0, 100] so a bad report cannot go negative or above 500.
[[nodiscard]] inline double cpu_part(double cpu_percent) {
  if (!(cpu_percent > 0.0)) cpu_percent = 0.0;  // also NaN (the edge is rejected as INVALID_METRICS)
  cpu_percent = std::min(cpu_percent, 100.0);
  return weight_cpu * (1.0 - cpu_percent / 100.0);
}

// ram = 500 * (1 - ram_used/ram_max), ram_used clamped to [0, ram_max]; 0 when ram_max = 0 (rejected).
[[nodiscard]] inline double ram_part(std::uint64_t ram_used, std::uint64_t ram_max) {
  if (ram_max == 0) return 0.0;
  const std::uint64_t used = std::min(ram_used, ram_max);
  return weight_ram * (1.0 - static_cast<double>(used) / static_cast<double>(ram_max));
}

// bw = min(bw_available, 1.25e9) * 1000 / 1.25e9.
[[nodiscard]] inline double bw_part(std::uint64_t bw_available_bytes_per_sec) {
  const double bw = std::min(static_cast<double>(bw_available_bytes_per_sec), bw_full_bytes_per_sec);
  return bw * weight_bw / bw_full_bytes_per_sec;
}

struct vec3 {
  double x, y, z;
};

[[nodiscard]] inline vec3 unit_vector(double lat_deg, double lon_deg) {
  constexpr double rad = std::numbers::pi / 180.0;
  const double lat = lat_deg * rad;
  const double lon = lon_deg * rad;
  const double c = std::cos(lat);
  return {c * std::cos(lon), c * std::sin(lon), std::sin(lat)};
}

// The great-circle angle between two unit vectors in radians, in [0, pi]: atan2(|a x b|, a . b),
// accurate for identical points (0) and antipodes (pi) alike, where acos(a . b) loses precision.
[[nodiscard]] inline double central_angle(const vec3& a, const vec3& b) {
  const double cx = a.y * b.z - a.z * b.y;
  const double cy = a.z * b.x - a.x * b.z;
  const double cz = a.x * b.y - a.y * b.x;
  const double dot = a.x * b.x + a.y * b.y + a.z * b.z;
  return std::atan2(std::sqrt(cx * cx + cy * cy + cz * cz), dot);
}

// geo = 1000 - 1000 * angle / pi: 1000 at the viewer, 0 at the antipode.
[[nodiscard]] inline double geo_part(const vec3& viewer, const vec3& edge) {
  const double d = central_angle(viewer, edge) / std::numbers::pi;
  return weight_geo - weight_geo * d;
}

}  // namespace fleetledger::projections::edges::detail
