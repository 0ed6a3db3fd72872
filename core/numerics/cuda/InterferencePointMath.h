#pragma once
// The interference basis's math at one point: the body of the CUDA kernels
// (FusedInterferenceKernelCuda.cu), written once for device and host so that
// tests check it against the CPU kernel without a GPU. Formulas as in
// FusedInterferenceKernel.cpp's backward.

#include "FusedInterferenceKernelCuda.h"
#include "HostDeviceMath.h"

namespace dredge::fused::cuda {

// A point's coordinates, z = (x − v t)/σ and the shared envelope
// exp(−½‖z‖²)/norm.
template <typename Scalar>
struct EnvelopeAt {
    Scalar x[kMaxInterferenceDims];
    Scalar z[kMaxInterferenceDims];
    Scalar t;
    Scalar env;

    DREDGE_HOST_DEVICE EnvelopeAt(const Scalar* xT, const Scalar* times, int64_t n, int64_t j,
                                  const InterferenceParameters<Scalar>& p, Scalar inverseNorm)
        : t(times[j]) {
        Scalar r2 = 0;
        for (int64_t d = 0; d < p.dims; ++d) {
            x[d] = xT[d * n + j];
            z[d] = (x[d] - p.velocity[d] * t) * p.inverseSigma[d];
            r2 += z[d] * z[d];
        }
        env = expOf(Scalar(-0.5) * r2) * inverseNorm;
    }

    // Field f's carrier phase a = k·x − ωt and q = λ·x.
    DREDGE_HOST_DEVICE void phases(const InterferenceParameters<Scalar>& p, int64_t f, Scalar* a,
                                   Scalar* q) const {
        const int64_t D = p.dims;
        *a = -p.omega[f] * t;
        *q = 0;
        for (int64_t d = 0; d < D; ++d) {
            *a += p.k[f * D + d] * x[d];
            *q += p.lambda[f * D + d] * x[d];
        }
    }
};

// out[o] for o < p.outputs: the superposition of every field at point j.
template <typename Scalar>
DREDGE_HOST_DEVICE inline void interferenceAt(const Scalar* xT, const Scalar* t, int64_t n,
                                              int64_t j, const InterferenceParameters<Scalar>& p,
                                              Scalar inverseNorm, Scalar* out) {
    const int64_t F = p.fields, O = p.outputs;
    const EnvelopeAt<Scalar> point(xT, t, n, j, p, inverseNorm);
    Scalar acc[kMaxInterferenceOutputs] = {}; // in registers; out is written once
    for (int64_t f = 0; f < F; ++f) {
        Scalar a, q, sa, ca;
        point.phases(p, f, &a, &q);
        sinCos(a, &sa, &ca);
        const Scalar common =
            p.amplitude[f] * point.env * sinOf(p.phi[f] + p.epsilon[f] * cosOf(q));
        for (int64_t o = 0; o < O; ++o) {
            acc[o] += common * (p.weight[o * 2 * F + f] * ca + p.weight[o * 2 * F + F + f] * sa);
        }
    }
    for (int64_t o = 0; o < O; ++o) {
        out[o] = acc[o];
    }
}

// Field f's share of dL/dθ, summed point by point in double (one per thread
// on the GPU). The envelope's gradient is linear in dL/d env, so each field
// carries its own share of log σ and v; logSigma is without the clamp's mask.
template <typename Scalar>
struct InterferenceGradientSum {
    const InterferenceParameters<Scalar>& p;
    int64_t f;
    Scalar inverseNorm;
    double amplitude = 0, omega = 0, phi = 0, epsilon = 0;
    double k[kMaxInterferenceDims] = {}, lambda[kMaxInterferenceDims] = {};
    double logSigma[kMaxInterferenceDims] = {}, velocity[kMaxInterferenceDims] = {};
    double weightRe[kMaxInterferenceOutputs] = {}, weightIm[kMaxInterferenceOutputs] = {};

    DREDGE_HOST_DEVICE InterferenceGradientSum(const InterferenceParameters<Scalar>& params,
                                               int64_t field, Scalar norm)
        : p(params)
        , f(field)
        , inverseNorm(norm) {}

    // gradOut: dL/dout at point j, p.outputs values.
    DREDGE_HOST_DEVICE void addPoint(const Scalar* xT, const Scalar* t, int64_t n, int64_t j,
                                     const Scalar* gradOut) {
        const int64_t F = p.fields, D = p.dims, O = p.outputs;
        const Scalar A = p.amplitude[f], eps = p.epsilon[f];
        const EnvelopeAt<Scalar> point(xT, t, n, j, p, inverseNorm);
        Scalar a, q, sa, ca, sq, cq, m, cu;
        point.phases(p, f, &a, &q);
        sinCos(a, &sa, &ca);
        sinCos(q, &sq, &cq);
        sinCos(p.phi[f] + eps * cq, &m, &cu); // u = φ + ε cos q
        const Scalar common = A * point.env * m;
        Scalar gRe = 0, gIm = 0; // dL/d (real, imaginary part of this field)
        for (int64_t o = 0; o < O; ++o) {
            const Scalar go = gradOut[o];
            gRe += go * p.weight[o * 2 * F + f];
            gIm += go * p.weight[o * 2 * F + F + f];
            weightRe[o] += go * common * ca;
            weightIm[o] += go * common * sa;
        }
        const Scalar dcommon = gRe * ca + gIm * sa;
        const Scalar da = common * (gIm * ca - gRe * sa); // dL/da
        amplitude += dcommon * point.env * m;
        const Scalar du = dcommon * A * point.env * cu;
        phi += du;
        epsilon += du * cq;
        const Scalar dq = -du * eps * sq;
        omega -= da * point.t;
        const Scalar e = point.env * dcommon * A * m; // env · (this field's dL/d env)
        for (int64_t d = 0; d < D; ++d) {
            k[d] += da * point.x[d];
            lambda[d] += dq * point.x[d];
            logSigma[d] += e * (point.z[d] * point.z[d] - Scalar(1));
            velocity[d] += e * point.z[d] * point.t * p.inverseSigma[d];
        }
    }
};

} // namespace dredge::fused::cuda
