// The same all-pairs gravity formula as Shaders/nbody_step.glsl as a plain C loop with OpenMP,
// to see what this machine's CPU does with straightforward native code (docs/benchmarks.md).
// It is not a ceiling: it vectorises over j with a reduction and blocks no registers, and the
// register-blocked lavapipe kernel has overtaken it. Build and run, e.g. for 256-bit vectors without FMA, the
// code shape lavapipe generates:
//
//   gcc -O3 -ffast-math -mavx2 -mno-fma -fopenmp scripts/native-nbody.c -o /tmp/native-nbody -lm
//   OMP_NUM_THREADS=2 /tmp/native-nbody
//
// -ffast-math lets 1/sqrtf become the vector reciprocal square root with a Newton step; without
// it the loop does not vectorise and runs ten times slower. lavapipe's inversesqrt is a square
// root and a division instead (Mesa 22.3's gallivm keeps its rsqrtps path switched off), so this
// is a ceiling for lavapipe, not its exact code.
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <omp.h>
#define N 16384
static float px[N], py[N], pz[N], pm[N], ax[N], ay[N], az[N];
int main(void) {
    for (int i = 0; i < N; i++) { px[i] = rand()/(float)RAND_MAX; py[i] = rand()/(float)RAND_MAX; pz[i] = rand()/(float)RAND_MAX; pm[i] = 1.0f/N; }
    const float eps2 = 1e-4f;
    for (int rep = 0; rep < 4; rep++) {
        double t = omp_get_wtime();
        #pragma omp parallel for schedule(static)
        for (int i = 0; i < N; i++) {
            float xi = px[i], yi = py[i], zi = pz[i], sx = 0, sy = 0, sz = 0;
            #pragma omp simd reduction(+:sx,sy,sz)
            for (int j = 0; j < N; j++) {
                float dx = px[j]-xi, dy = py[j]-yi, dz = pz[j]-zi;
                float r2 = dx*dx + dy*dy + dz*dz + eps2;
                float inv = 1.0f/sqrtf(r2);
                float s = pm[j]*inv*inv*inv;
                sx += dx*s; sy += dy*s; sz += dz*s;
            }
            ax[i] = sx; ay[i] = sy; az[i] = sz;
        }
        t = omp_get_wtime() - t;
        printf("%.2e interactions/s (threads %d)\n", (double)N*N/t, omp_get_max_threads());
    }
    printf("%f\n", ax[5]);
}
