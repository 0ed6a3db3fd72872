#pragma once
// The wave ensemble's math at one point: the body of the CUDA kernels
// (FusedWaveKernelCuda.cu), written once for device and host so that tests
// check it against the CPU kernel without a GPU. Formulas as in
// FusedWaveKernel.cpp's backward.

#include "FusedWaveKernelCuda.h"
#include "HostDeviceMath.h"

namespace dredge::fused::cuda {

template <typename Scalar>
struct PointAt {
    Scalar x[kMaxDims];
    Scalar t;

    DREDGE_HOST_DEVICE PointAt(const Scalar* xT, const Scalar* times, int64_t n, int64_t j,
                               int64_t dims)
        : t(times[j]) {
        for (int64_t d = 0; d < dims; ++d) {
            x[d] = xT[d * n + j];
        }
    }
};

// Wave i's projections of a point: k·x − ωt, λ·x and ‖x − v t‖².
template <typename Scalar>
struct WaveProjection {
    Scalar kx, lx, r2;

    DREDGE_HOST_DEVICE WaveProjection(const PointAt<Scalar>& point, const WaveParameters<Scalar>& p,
                                      int64_t i)
        : kx(-p.omega[i] * point.t)
        , lx(0)
        , r2(0) {
        const int64_t D = p.dims;
        for (int64_t d = 0; d < D; ++d) {
            const Scalar rel = point.x[d] - p.velocity[i * D + d] * point.t;
            kx += p.k[i * D + d] * point.x[d];
            lx += p.lambda[i * D + d] * point.x[d];
            r2 += rel * rel;
        }
    }
};

// head(ψ(x_j, t_j)) over all waves.
template <typename Scalar>
DREDGE_HOST_DEVICE inline Scalar waveEnsembleAt(const Scalar* xT, const Scalar* t, int64_t n,
                                                int64_t j, const WaveParameters<Scalar>& p,
                                                Scalar headBias) {
    const PointAt<Scalar> point(xT, t, n, j, p.dims);
    Scalar sum = headBias;
    for (int64_t i = 0; i < p.waves; ++i) {
        const WaveProjection<Scalar> s(point, p, i);
        const Scalar halfS = Scalar(-0.5) * expOf(Scalar(-2) * p.logSigma[i]);
        const Scalar modulation = sinOf(p.phi[i] + p.epsilon[i] * cosOf(s.lx));
        sum += p.headWeight[i] * p.amplitude[i] * cosOf(s.kx) * expOf(halfS * s.r2) * modulation;
    }
    return sum;
}

// Wave i's share of dL/dθ, summed point by point in double (one per thread
// on the GPU; the kernel then sums the threads). headBias is each wave's sum
// of dL/dout: the caller keeps one wave's.
template <typename Scalar>
struct WaveGradientSum {
    const WaveParameters<Scalar>& p;
    int64_t i;
    Scalar sigmaInv2; // σ⁻² = e^(−2 log σ), once per wave
    double headWeight = 0, amplitude = 0, omega = 0, logSigma = 0, phi = 0, epsilon = 0,
           headBias = 0;
    double k[kMaxDims] = {}, velocity[kMaxDims] = {}, lambda[kMaxDims] = {};

    DREDGE_HOST_DEVICE WaveGradientSum(const WaveParameters<Scalar>& params, int64_t wave)
        : p(params)
        , i(wave)
        , sigmaInv2(expOf(Scalar(-2) * params.logSigma[wave])) {}

    DREDGE_HOST_DEVICE void addPoint(const Scalar* xT, const Scalar* t, int64_t n, int64_t j,
                                     Scalar gradOut) {
        const int64_t D = p.dims;
        const PointAt<Scalar> point(xT, t, n, j, D);
        const WaveProjection<Scalar> s(point, p, i);
        const Scalar halfS = Scalar(-0.5) * sigmaInv2;
        const Scalar A = p.amplitude[i], eps = p.epsilon[i];
        Scalar sp, cp, sq, cq, m, cu;
        sinCos(s.kx, &sp, &cp);
        sinCos(s.lx, &sq, &cq);
        sinCos(p.phi[i] + eps * cq, &m, &cu); // u = φ + ε cos(λ·x)
        const Scalar e = expOf(halfS * s.r2);
        const Scalar gw = gradOut * p.headWeight[i];
        const Scalar em = e * m;
        headBias += gradOut;
        headWeight += gradOut * A * cp * em;
        amplitude += gw * cp * em;
        const Scalar dp = -gw * A * sp * em; // dL/d phase
        const Scalar de = gw * A * cp * em;  // dL/d (exponent of the envelope)
        const Scalar dr2 = de * halfS;       // dL/d ‖x − v t‖²
        logSigma += de * s.r2 * sigmaInv2;
        const Scalar du = gw * A * cp * e * cu; // dL/du
        phi += du;
        epsilon += du * cq;
        const Scalar dq = -du * eps * sq; // dL/d λ·x
        omega += -dp * point.t;
        for (int64_t d = 0; d < D; ++d) {
            k[d] += dp * point.x[d];
            lambda[d] += dq * point.x[d];
            velocity[d] +=
                dr2 * Scalar(-2) * (point.x[d] - p.velocity[i * D + d] * point.t) * point.t;
        }
    }
};

} // namespace dredge::fused::cuda
