/* A floor for COBA's time on a CPU: the whole network as one hand-written C loop, with
   nothing around it that a simulator has (no model description, no recording, no
   checks, no threads). Brette et al. (2007)'s benchmark 1 as R. Brette's COBA.py writes
   it (the peer brian2_vogels_abbott.py): 4000 LIF neurons (3200 excitatory), connection
   probability 0.02 with autapses, forward Euler, conductances in units of the leak,
   a spike adding 0.6 to ge or 6.7 to gi in the next timestep, 5 ms refractoriness.

   The state is float32; each timestep's input is summed as integers in fixed point
   (order-independent, as kenyon's), converted once, as kenyon does. The neuron loop
   vectorises (8 lanes: GCC's 256-bit vectors, as built below); the spikes are
   collected from their flags eight at a time; each spike adds its weight along its row
   of targets (CSR).

   It is a reference point for what kenyon's CPU backend could reach on a machine, not
   a simulator: its synapses and initial state are its own draw (xorshift), so its
   spikes are not kenyon's or Brian2's, only their rate is alike (18.1 Hz against
   kenyon's 18.7).

   Build and run (time_coba_floor.sh does both):
     cc -O3 -march=native -fno-trapping-math coba_floor.c -o /tmp/coba_floor -lm
     /tmp/coba_floor [TIMESTEPS]     (default 10000: 1 s of model time at 0.1 ms)
   prints `s_per_bio_s X rate_hz Y synapses Z`. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N 4000
#define N_EXC 3200
#define MAX_SYNAPSES (N * 200)

static float v[N], ge[N], gi[N], refrac[N];
static int32_t in_exc[N], in_inh[N];
static uint8_t spiked[N + 8];
static uint32_t spikes[N], row_start[N + 1], *targets;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static double uniform(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return ((rng >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}
static double normal(void) { return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform()); }

int main(int argc, char **argv) {
  const int steps = argc > 1 ? atoi(argv[1]) : 10000;
  if (steps <= 0) {
    fprintf(stderr, "usage: coba_floor [TIMESTEPS > 0]\n");
    return 2;
  }
  targets = malloc(MAX_SYNAPSES * sizeof *targets);
  if (targets == NULL) return 1;
  uint32_t s = 0;
  for (int i = 0; i < N; i++) {
    row_start[i] = s;
    for (int j = 0; j < N; j++)
      if (uniform() < 0.02 && s < MAX_SYNAPSES) targets[s++] = j;
  }
  row_start[N] = s;
  for (int i = 0; i < N; i++) {
    v[i] = -60 + normal() * 5 - 5;
    ge[i] = normal() * 1.5 + 4;
    gi[i] = normal() * 12 + 20;
  }
  const float dt = 0.1f, taum = 20, el = -60, vt = -50, vr = -60, ee = 0, ei = -80;
  const float decay_e = 1 - dt / 5, decay_i = 1 - dt / 10, refractory = 5;
  const float unit = 1.0f / (1 << 20);
  const int32_t w_exc = (int32_t)lrintf(0.6f / unit), w_inh = (int32_t)lrintf(6.7f / unit);
  long total = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < N; i++) {
      float g_e = ge[i] + (float)in_exc[i] * unit, g_i = gi[i] + (float)in_inh[i] * unit;
      in_exc[i] = 0;
      in_inh[i] = 0;
      float x = v[i], r = refrac[i];
      int active = r <= 0.0f;
      float moved = x + ((el - x) + g_e * (ee - x) + g_i * (ei - x)) * (dt / taum);
      x = active ? moved : x;
      r = active ? r : r - dt;
      int fired = active && x > vt;
      v[i] = fired ? vr : x;
      refrac[i] = fired ? refractory : r;
      ge[i] = g_e * decay_e;
      gi[i] = g_i * decay_i;
      spiked[i] = (uint8_t)fired;
    }
    /* Eight flags a word; each set byte's lowest bit is at 8 * its index on the
       little-endian CPUs this is for. */
    int n = 0;
    for (int i = 0; i < N; i += 8) {
      uint64_t word;
      memcpy(&word, spiked + i, 8);
      for (; word != 0; word &= word - 1) spikes[n++] = i + __builtin_ctzll(word) / 8;
    }
    total += n;
    for (int k = 0; k < n; k++) {
      const uint32_t pre = spikes[k];
      int32_t *in = pre < N_EXC ? in_exc : in_inh;
      const int32_t w = pre < N_EXC ? w_exc : w_inh;
      for (uint32_t q = row_start[pre]; q < row_start[pre + 1]; q++) in[targets[q]] += w;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  const double wall = (t1.tv_sec - t0.tv_sec) + 1e-9 * (t1.tv_nsec - t0.tv_nsec);
  const double model_s = steps * 1e-4;
  printf("s_per_bio_s %.4f rate_hz %.2f synapses %u\n", wall / model_s, total / (N * model_s), s);
  free(targets);
  return 0;
}
