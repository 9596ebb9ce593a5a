/* Microbenchmark of the CPU runtime's conv kernels on the conv layers of ResNet-18, ResNet-50,
 * ResNeXt-50, SqueezeNet 1.1, MobileNetV2 and GoogLeNet at 1x3x224x224 (shapes generated from the
 * architectures), on one thread unless -t.
 * Prints GFLOP/s per distinct layer shape and the estimated total conv time per model (sum over
 * layers of count x time; thread CPU time on one thread, wall time with -t N > 1).
 * Usage: kernel_bench [resnet18|resnet50|mobilenetv2|squeezenet1_1|resnext50_32x4d|googlenet ...] [-r repeats] [-cold] [-net] [-t threads]
 *                     [-only C,H,M,K,s] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel_reference.h"

typedef struct layer {
  int64_t C, H, M, K, s, pad, group, count;
} layer;

typedef struct model {
  const char *name;
  layer l[64];
  int n;
} model;

static void add(model *m, int64_t C, int64_t H, int64_t M, int64_t K, int64_t s, int64_t pad, int64_t group) {
  for (int i = 0; i < m->n; ++i) {
    layer *l = &m->l[i];
    if (l->C == C && l->H == H && l->M == M && l->K == K && l->s == s && l->pad == pad && l->group == group) {
      ++l->count;
      return;
    }
  }
  m->l[m->n++] = (layer){C, H, M, K, s, pad, group, 1};
}

/* ResNet-18 / -50, or ResNeXt-50 32x4d (groups 32: bottleneck widths doubled, grouped 3x3). */
static void resnet(model *m, int bottleneck, int64_t groups) {
  const int blocks50[4] = {3, 4, 6, 3}, blocks18[4] = {2, 2, 2, 2};
  add(m, 3, 224, 64, 7, 2, 3, 1);
  int64_t in = 64, h = 56;
  for (int st = 0; st < 4; ++st) {
    const int64_t width = (64 << st) * (groups > 1 ? 2 : 1), out = bottleneck ? (256 << st) : width;
    for (int b = 0; b < (bottleneck ? blocks50[st] : blocks18[st]); ++b) {
      const int64_t s = b == 0 && st > 0 ? 2 : 1, ho = h / s;
      if (bottleneck) {
        add(m, in, h, width, 1, 1, 0, 1);
        add(m, width, h, width, 3, s, 1, groups);
        add(m, width, ho, out, 1, 1, 0, 1);
      } else {
        add(m, in, h, width, 3, s, 1, 1);
        add(m, width, ho, width, 3, 1, 1, 1);
      }
      if (b == 0 && (s != 1 || in != out)) add(m, in, h, out, 1, s, 0, 1);
      in = out;
      h = ho;
    }
  }
}

static void mobilenetv2(model *m) {
  const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                         {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  add(m, 3, 224, 32, 3, 2, 1, 1);
  int64_t in = 32, h = 112;
  for (int i = 0; i < 7; ++i)
    for (int b = 0; b < cfg[i][2]; ++b) {
      const int64_t s = b == 0 ? cfg[i][3] : 1, hidden = in * cfg[i][0];
      if (cfg[i][0] != 1) add(m, in, h, hidden, 1, 1, 0, 1);
      add(m, hidden, h, hidden, 3, s, 1, hidden);
      h = (h + 2 - 3) / s + 1;
      add(m, hidden, h, cfg[i][1], 1, 1, 0, 1);
      in = cfg[i][1];
    }
  add(m, 320, 7, 1280, 1, 1, 0, 1);
}

static void squeezenet11(model *m) {
  const int fire[8][3] = {{16, 64, 64}, {16, 64, 64}, {32, 128, 128}, {32, 128, 128},
                          {48, 192, 192}, {48, 192, 192}, {64, 256, 256}, {64, 256, 256}};
  const int64_t size[8] = {55, 55, 27, 27, 13, 13, 13, 13};
  add(m, 3, 224, 64, 3, 2, 0, 1);
  int64_t in = 64;
  for (int i = 0; i < 8; ++i) {
    add(m, in, size[i], fire[i][0], 1, 1, 0, 1);
    add(m, fire[i][0], size[i], fire[i][1], 1, 1, 0, 1);
    add(m, fire[i][0], size[i], fire[i][2], 3, 1, 1, 1);
    in = fire[i][1] + fire[i][2];
  }
  add(m, 512, 13, 1000, 1, 1, 0, 1);
}

/* GoogLeNet (torchvision: 3x3 convs in the third branch) up to its classifier. An inception block
 * on an h x h plane: 1x1 to b1; 1x1 to b2r, 3x3 to b2; 1x1 to b3r, 3x3 to b3; (pool) 1x1 to b4. */
static void inception(model *m, int64_t in, int64_t h, const int64_t c[6]) {
  add(m, in, h, c[0], 1, 1, 0, 1);
  add(m, in, h, c[1], 1, 1, 0, 1);
  add(m, c[1], h, c[2], 3, 1, 1, 1);
  add(m, in, h, c[3], 1, 1, 0, 1);
  add(m, c[3], h, c[4], 3, 1, 1, 1);
  add(m, in, h, c[5], 1, 1, 0, 1);
}

static void googlenet(model *m) {
  static const int64_t blocks[9][6] = {{64, 96, 128, 16, 32, 32},     {128, 128, 192, 32, 96, 64},
                                       {192, 96, 208, 16, 48, 64},    {160, 112, 224, 24, 64, 64},
                                       {128, 128, 256, 24, 64, 64},   {112, 144, 288, 32, 64, 64},
                                       {256, 160, 320, 32, 128, 128}, {256, 160, 320, 32, 128, 128},
                                       {384, 192, 384, 48, 128, 128}};
  const int64_t size[9] = {28, 28, 14, 14, 14, 14, 14, 7, 7};
  add(m, 3, 224, 64, 7, 2, 3, 1);
  add(m, 64, 56, 64, 1, 1, 0, 1);
  add(m, 64, 56, 192, 3, 1, 1, 1);
  int64_t in = 192;
  for (int i = 0; i < 9; ++i) {
    inception(m, in, size[i], blocks[i]);
    in = blocks[i][0] + blocks[i][2] + blocks[i][4] + blocks[i][5];
  }
}

static int threads = 1;

/* CPU time of this thread: on a shared machine the time the scheduler gives to other processes
 * does not count (wall-clock figures swing 2-3x there). */
static double now(void) {
  struct timespec t;
  clock_gettime(threads > 1 ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void *xmalloc(size_t n) {
  void *p = NULL;
  if (posix_memalign(&p, 64, n ? n : 64) != 0) abort();
  return p;
}

/* With -cold, caches are flushed before every timed run (a model's weights are read once per
 * inference, so in a whole network they come from memory, not from a warm cache). */
static int cold = 0;
static void flush_caches(void) {
  static char *junk = NULL;
  const size_t n = (size_t)256 << 20;
  if (!junk) junk = malloc(n);
  if (!junk) return;
  for (size_t i = 0; i < n; i += 64) junk[i] = (char)i;
}

/* Minimum and median seconds of one conv over `reps` runs after a warm-up (the minimum is the
 * figure least disturbed by other processes on a shared machine). */
static double time_conv(const layer *l, int reps, nest_conv2d_desc *out, double *median) {
  nest_conv2d_desc d;
  memset(&d, 0, sizeof d);
  d.N = 1, d.C = l->C, d.H = d.W = l->H, d.M = l->M, d.KH = d.KW = l->K;
  d.stride_h = d.stride_w = l->s, d.dilation_h = d.dilation_w = 1;
  d.pad_top = d.pad_left = d.pad_bottom = d.pad_right = l->pad, d.group = l->group;
  d.OH = d.OW = (l->H + 2 * l->pad - l->K) / l->s + 1;
  d.act.kind = NEST_ACT_RELU;
  *out = d;
  uint64_t st = 1;
  const int64_t nx = d.C * d.H * d.W, nw = d.M * (d.C / d.group) * d.KH * d.KW;
  float *x = xmalloc(nx * 4), *w = xmalloc(nw * 4), *b = xmalloc(d.M * 4), *y = xmalloc(d.M * d.OH * d.OW * 4);
  float *packed = xmalloc(nest_conv2d_f32_packed_size(&d) * 4);
  void *scratch = xmalloc(nest_conv2d_f32_scratch_size(&d));
  ref_fill(x, nx, &st);
  ref_fill(w, nw, &st);
  ref_fill(b, d.M, &st);
  nest_conv2d_f32_pack(&d, w, NULL, packed);
  double t[64];
  nest_conv2d_f32(&d, x, packed, b, y, scratch);
  for (int r = 0; r < reps; ++r) {
    if (cold) flush_caches();
    const double t0 = now();
    nest_conv2d_f32(&d, x, packed, b, y, scratch);
    t[r] = now() - t0;
  }
  qsort(t, reps, sizeof t[0], cmp);
  free(x), free(w), free(b), free(y), free(packed), free(scratch);
  *median = t[reps / 2];
  return t[0];
}

/* -net: every conv layer of the model (count times each) with its own weights, run back to back
 * as in a network: each layer reads the buffer the previous one wrote (two ping-pong activation
 * buffers), so activations are as warm as in a real network and weights as cold. Reports the
 * minimum and median time of the whole sequence. */
static void run_net(model *m, int reps) {
  int total = 0;
  for (int i = 0; i < m->n; ++i) total += (int)m->l[i].count;
  nest_conv2d_desc *d = calloc((size_t)total, sizeof *d);
  float **x = calloc((size_t)total, sizeof *x), **w = calloc((size_t)total, sizeof *w), **y = calloc((size_t)total, sizeof *y);
  float **b = calloc((size_t)total, sizeof *b);
  void **sc = calloc((size_t)total, sizeof *sc);
  uint64_t st = 7;
  int at = 0;
  for (int i = 0; i < m->n; ++i)
    for (int c = 0; c < m->l[i].count; ++c, ++at) {
      const layer *l = &m->l[i];
      nest_conv2d_desc *e = &d[at];
      e->N = 1, e->C = l->C, e->H = e->W = l->H, e->M = l->M, e->KH = e->KW = l->K;
      e->stride_h = e->stride_w = l->s, e->dilation_h = e->dilation_w = 1;
      e->pad_top = e->pad_left = e->pad_bottom = e->pad_right = l->pad, e->group = l->group;
      e->OH = e->OW = (l->H + 2 * l->pad - l->K) / l->s + 1;
      e->act.kind = NEST_ACT_RELU;
      const int64_t nx = e->C * e->H * e->W, nw = e->M * (e->C / e->group) * e->KH * e->KW;
      float *raw = xmalloc(nw * 4);
      ref_fill(raw, nw, &st);
      for (int64_t k = 0; k < nw; ++k) raw[k] *= 1.0f / (float)(e->C / e->group * e->KH * e->KW); /* bounded values */
      (void)nx;
      w[at] = xmalloc(nest_conv2d_f32_packed_size(e) * 4);
      nest_conv2d_f32_pack(e, raw, NULL, w[at]);
      free(raw);
      b[at] = xmalloc(e->M * 4), ref_fill(b[at], e->M, &st);
      sc[at] = xmalloc(nest_conv2d_f32_scratch_size(e));
    }
  int64_t biggest = 0;
  for (int i = 0; i < total; ++i) {
    const int64_t in = d[i].C * d[i].H * d[i].W, out = d[i].M * d[i].OH * d[i].OW;
    biggest = in > biggest ? in : biggest;
    biggest = out > biggest ? out : biggest;
  }
  float *ping = xmalloc(biggest * 4), *pong = xmalloc(biggest * 4);
  ref_fill(ping, biggest, &st);
  ref_fill(pong, biggest, &st);
  for (int i = 0; i < total; ++i) x[i] = i % 2 ? pong : ping, y[i] = i % 2 ? ping : pong;
  double t[64];
  for (int r = 0; r <= reps; ++r) {
    const double t0 = now();
    for (int i = 0; i < total; ++i) nest_conv2d_f32(&d[i], x[i], w[i], b[i], y[i], sc[i]);
    if (r > 0) t[r - 1] = now() - t0; /* the first sequence is the warm-up */
  }
  qsort(t, reps, sizeof t[0], cmp);
  printf("%s: %d conv layers back to back: min %.2f ms, median %.2f ms\n", m->name, total, t[0] * 1e3,
         t[reps / 2] * 1e3);
  for (int i = 0; i < total; ++i) free(w[i]), free(b[i]), free(sc[i]);
  free(ping), free(pong);
  free(d), free(x), free(w), free(b), free(y), free(sc);
}

/* -only C,H,M,K,s: time only the layers of that shape (to profile one layer, e.g. under perf). */
static long long only[5];
static int have_only;

static int layer_wanted(const layer *l) {
  return !have_only || (l->C == only[0] && l->H == only[1] && l->M == only[2] && l->K == only[3] && l->s == only[4]);
}

static void run(model *m, int reps) {
  double total = 0, total_median = 0, flops = 0;
  printf("%s conv layers (N=1, %d thread(s), %d runs):\n", m->name, threads, reps);
  printf("  %5s %4s %5s %2s %2s %5s %3s  %9s %9s %8s\n", "C", "H", "M", "K", "s", "group", "n", "min ms", "median ms",
         "GFLOP/s");
  for (int i = 0; i < m->n; ++i) {
    if (!layer_wanted(&m->l[i])) continue;
    nest_conv2d_desc d;
    double median;
    const double sec = time_conv(&m->l[i], reps, &d, &median);
    const double f = 2.0 * d.M * d.OH * d.OW * (d.C / d.group) * d.KH * d.KW;
    printf("  %5lld %4lld %5lld %2lld %2lld %5lld %3lld  %9.3f %9.3f %8.1f\n", (long long)m->l[i].C,
           (long long)m->l[i].H, (long long)m->l[i].M, (long long)m->l[i].K, (long long)m->l[i].s,
           (long long)m->l[i].group, (long long)m->l[i].count, sec * 1e3, median * 1e3, f / sec * 1e-9);
    total += sec * m->l[i].count;
    total_median += median * m->l[i].count;
    flops += f * m->l[i].count;
  }
  printf("%s: estimated conv time %.2f ms (from medians %.2f ms), %.2f GFLOP, %.1f GFLOP/s overall\n\n",
         m->name, total * 1e3, total_median * 1e3, flops * 1e-9, flops / total * 1e-9);
}

int main(int argc, char **argv) {
  int reps = 15, net = 0;
  const char *want[8];
  int nwant = 0;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "-cold")) {
      cold = 1;
    } else if (!strcmp(argv[i], "-only") && i + 1 < argc) {
      if (sscanf(argv[++i], "%lld,%lld,%lld,%lld,%lld", &only[0], &only[1], &only[2], &only[3], &only[4]) != 5) {
        fprintf(stderr, "kernel_bench: -only takes C,H,M,K,s (input channels, input size, output channels, kernel, stride)\n");
        return 2;
      }
      have_only = 1;
    } else if (!strcmp(argv[i], "-net")) {
      net = 1;
    } else if (!strcmp(argv[i], "-t") && i + 1 < argc) {
      threads = atoi(argv[++i]);
      /* workers get scratch for any of these layers */
      if (threads < 1 || nest_set_threads(threads, (size_t)64 << 20) != 0) {
        fprintf(stderr, "kernel_bench: cannot run on %s threads\n", argv[i]);
        return 2;
      }
    } else if (!strcmp(argv[i], "-r") && i + 1 < argc) {
      reps = atoi(argv[++i]);
      if (reps < 1 || reps > 64) reps = 15;
    } else if (nwant < 8) {
      want[nwant++] = argv[i];
    }
  }
  static model models[6];
  models[0].name = "resnet18", resnet(&models[0], 0, 1);
  models[1].name = "resnet50", resnet(&models[1], 1, 1);
  models[2].name = "mobilenetv2", mobilenetv2(&models[2]);
  models[3].name = "squeezenet1_1", squeezenet11(&models[3]);
  models[4].name = "resnext50_32x4d", resnet(&models[4], 1, 32);
  models[5].name = "googlenet", googlenet(&models[5]);
  for (size_t i = 0; i < sizeof models / sizeof models[0]; ++i) {
    int on = nwant == 0;
    for (int j = 0; j < nwant; ++j) on |= !strcmp(want[j], models[i].name);
    if (on && net)
      run_net(&models[i], reps);
    else if (on)
      run(&models[i], reps);
  }
  return 0;
}
