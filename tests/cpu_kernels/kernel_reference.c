#include "kernel_reference.h"

#include <math.h>

float ref_random(uint64_t *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (float)((*s >> 40) & 0xFFFFFF) / 8388608.0f - 1.0f;
}

void ref_fill(float *x, int64_t n, uint64_t *state) {
  for (int64_t i = 0; i < n; ++i) x[i] = ref_random(state);
}

double ref_act(const nest_act *a, double x) {
  switch (a->kind) {
    case NEST_ACT_RELU: return x > 0 ? x : 0;
    case NEST_ACT_CLIP: return x < a->params[0] ? a->params[0] : (x > a->params[1] ? a->params[1] : x);
    case NEST_ACT_LEAKY_RELU: return x < 0 ? a->params[0] * x : x;
    case NEST_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case NEST_ACT_HARD_SWISH: {
      double t = x / 6 + 0.5;
      return x * (t < 0 ? 0 : (t > 1 ? 1 : t));
    }
    case NEST_ACT_TANH: return tanh(x);
    default: return x;
  }
}

void ref_conv2d(const nest_conv2d_desc *d, const float *x, const float *w, const float *scale, const float *bias,
                double *y, double *mag) {
  const int64_t cg = d->C / d->group, mg = d->M / d->group;
  for (int64_t n = 0; n < d->N; ++n)
    for (int64_t m = 0; m < d->M; ++m) {
      const int64_t g = m / mg;
      for (int64_t oh = 0; oh < d->OH; ++oh)
        for (int64_t ow = 0; ow < d->OW; ++ow) {
          double s = bias ? bias[m] : 0, a = bias ? fabs(bias[m]) : 0;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t kh = 0; kh < d->KH; ++kh)
              for (int64_t kw = 0; kw < d->KW; ++kw) {
                const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dilation_h;
                const int64_t iw = ow * d->stride_w - d->pad_left + kw * d->dilation_w;
                if (ih < 0 || ih >= d->H || iw < 0 || iw >= d->W) continue;
                const double t = (double)x[((n * d->C + g * cg + c) * d->H + ih) * d->W + iw] *
                                 w[((m * cg + c) * d->KH + kh) * d->KW + kw] * (scale ? scale[m] : 1.0f);
                s += t;
                a += fabs(t);
              }
          const int64_t o = ((n * d->M + m) * d->OH + oh) * d->OW + ow;
          y[o] = ref_act(&d->act, s);
          mag[o] = a;
        }
    }
}

void ref_gemm(const nest_gemm_desc *d, const float *a, const float *b, const float *c, double *y, double *mag) {
  for (int64_t i = 0; i < d->M; ++i)
    for (int64_t j = 0; j < d->N; ++j) {
      double s = 0, m = 0;
      for (int64_t k = 0; k < d->K; ++k) {
        const double t = (double)(d->trans_a ? a[k * d->M + i] : a[i * d->K + k]) *
                         (d->trans_b ? b[j * d->K + k] : b[k * d->N + j]);
        s += t;
        m += fabs(t);
      }
      s *= d->alpha;
      m *= fabs(d->alpha);
      if (c) {
        const double cv = (double)d->beta * c[i * d->c_stride_m + j * d->c_stride_n];
        s += cv;
        m += fabs(cv);
      }
      y[i * d->N + j] = ref_act(&d->act, s);
      mag[i * d->N + j] = m;
    }
}

void ref_pool2d(const nest_pool2d_desc *d, int is_max, const float *x, double *y, double *mag) {
  for (int64_t pl = 0; pl < d->N * d->C; ++pl)
    for (int64_t oh = 0; oh < d->OH; ++oh)
      for (int64_t ow = 0; ow < d->OW; ++ow) {
        double best = -INFINITY, sum = 0, abs_sum = 0;
        int64_t count = 0, padded = 0;
        for (int64_t kh = 0; kh < d->KH; ++kh)
          for (int64_t kw = 0; kw < d->KW; ++kw) {
            const int64_t ih = oh * d->stride_h - d->pad_top + kh * d->dilation_h;
            const int64_t iw = ow * d->stride_w - d->pad_left + kw * d->dilation_w;
            if (ih >= -d->pad_top && ih < d->H + d->pad_bottom && iw >= -d->pad_left && iw < d->W + d->pad_right)
              ++padded;
            if (ih < 0 || ih >= d->H || iw < 0 || iw >= d->W) continue;
            const double v = x[(pl * d->H + ih) * d->W + iw];
            best = v > best ? v : best;
            sum += v;
            abs_sum += fabs(v);
            ++count;
          }
        const int64_t div = d->count_include_pad ? padded : count;
        y[(pl * d->OH + oh) * d->OW + ow] = is_max ? best : (div > 0 ? sum / div : 0.0);
        mag[(pl * d->OH + oh) * d->OW + ow] = is_max || div == 0 ? 0.0 : abs_sum / div;
      }
}
