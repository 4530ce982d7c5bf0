// One generation of a Life-like rule on the bit-packed grid of life_step_bits.glsl (or of a
// Generations rule on its bit planes, life_bits_rule.glsl), shaped for CPU drivers (lavapipe,
// Mesa 22.3). There every storage-buffer access is a loop over the SIMD lanes, a dozen
// instructions a lane whether or not the lane takes part, so those loops and not the bitwise
// arithmetic bound the speed: the one-word kernel spent about 50 vector instructions of adder
// against ~400 in load and store loops per 8 words.
//
// So an invocation here owns WORDS adjacent words of a strip ROWS rows tall and reads each
// row once, as its words and one neighbour word each side, with no load under a condition:
// every index is made valid branch-free and what lies outside the grid is zeroed after the
// load. Where the row stride allows, the words are read and written four at a time (one lane
// loop for four), and 64 cells a word (the grid's 32-bit words taken in pairs: bit b of word
// pair k is cell 64 k + b, as the layout already has it). Each row's three-cell horizontal
// sums are computed once and serve the three output rows that see them.
//
// Included by life_step_bits_wide.comp (32-bit words) and life_step_bits_wide64.comp
// (64-bit), which define LIFE_WORD, LIFE_WORD4 and LIFE_WORD_BITS.

#include "life_bits_wide_grid.glsl"

// The row stride (in LIFE_WORDs) is a multiple of WORDS, itself a multiple of 4: an
// invocation's words are whole aligned LIFE_WORD4s.
layout(constant_id = 5) const bool ALIGNED = false;

// The three-cell horizontal sums of WORDS words of row y from word x0 on: bit k of low[j] /
// high[j] is the low / high bit of (cell left of k) + k + (cell right of k) in word x0 + j,
// and alive[j] is the word itself. Words past the row's end (x0 + j >= stride) and rows
// outside a bounded grid come out as zero.
void loadRowSums(int y, uint x0, out LIFE_WORD low[WORDS], out LIFE_WORD high[WORDS], out LIFE_WORD alive[WORDS]) {
    const uint n = stride();
    const bool outside = BOUNDED && (y < 0 || y >= int(grid.height));
    // y is at most one row outside the grid; a compare is far cheaper than a division, which
    // CPU drivers cannot vectorise. Outside a bounded grid row 0 is read and zeroed.
    const uint row = uint(y < 0 ? y + int(grid.height) : (y >= int(grid.height) ? y - int(grid.height) : y));
    const uint base = (outside ? 0u : row) * n;
    // word[j] is word x0 + j - 1, wrapped around the row's end: the word right of the last
    // is word 0 and the one left of word 0 the last; indices that could only serve padding
    // are clamped into the row.
    LIFE_WORD word[WORDS + 2u];
    if (ALIGNED) {
        const LIFE_WORD west = src[base + (x0 == 0u ? n - 1u : x0 - 1u)];
        word[0] = outside ? ZERO : west;
        for (uint q = 0u; q < WORDS / 4u; ++q) {
            const LIFE_WORD4 four = src4[(base + x0) / 4u + q];
            for (uint c = 0u; c < 4u; ++c) word[1u + 4u * q + c] = outside ? ZERO : four[c];
        }
        const LIFE_WORD east = src[base + (x0 + WORDS < n ? x0 + WORDS : 0u)];
        word[WORDS + 1u] = outside ? ZERO : east;
    } else {
        for (uint j = 0u; j < WORDS + 2u; ++j) {
            const uint x = x0 + j;   // one more than the word's index, so x0 - 1 needs no sign
            const uint index = x == 0u ? n - 1u : (x - 1u < n ? x - 1u : min(x - 1u - n, n - 1u));
            const LIFE_WORD value = src[base + index];
            word[j] = outside ? ZERO : value;
        }
    }
    for (uint j = 0u; j < WORDS; ++j) {
        const uint x = x0 + j;
        const LIFE_WORD mid = x < n ? word[j + 1u] : ZERO;
        wordSums(word[j], mid, word[j + 2u], x, low[j], high[j]);
        alive[j] = mid;
    }
}

// Words x0 to x0 + WORDS - 1 of row `row` (inside the grid) of bit plane `plane`, those past
// the row's end clamped into it.
void loadRow(uint plane, uint row, uint x0, out LIFE_WORD words[WORDS]) {
    const uint n = stride();
    const uint base = plane * n * grid.height + row * n;
    if (ALIGNED) {
        for (uint q = 0u; q < WORDS / 4u; ++q) {
            const LIFE_WORD4 four = src4[(base + x0) / 4u + q];
            for (uint c = 0u; c < 4u; ++c) words[4u * q + c] = four[c];
        }
    } else {
        for (uint j = 0u; j < WORDS; ++j) words[j] = src[base + min(x0 + j, n - 1u)];
    }
}

// Writes words x0 to x0 + WORDS - 1 of row y of bit plane `plane`, those inside the grid.
void storeRow(uint plane, uint y, uint x0, bool inGrid, LIFE_WORD words[WORDS]) {
    if (!inGrid || y >= grid.height) return;
    const uint n = stride();
    const uint base = plane * n * grid.height + y * n;
    if (ALIGNED) {
        for (uint q = 0u; q < WORDS / 4u; ++q) {
            dst4[(base + x0) / 4u + q] = LIFE_WORD4(words[4u * q], words[4u * q + 1u], words[4u * q + 2u], words[4u * q + 3u]);
        }
    } else {
        for (uint j = 0u; j < WORDS; ++j) {
            if (x0 + j < n) dst[base + x0 + j] = words[j];
        }
    }
}

void main() {
    const uint n = stride();
    // Invocations past the grid compute on clamped indices and store nothing.
    const uint x0 = min(gl_GlobalInvocationID.x * WORDS, ALIGNED ? n - WORDS : n - 1u);
    const uint firstRow = gl_GlobalInvocationID.y * ROWS;
    const bool inGrid = gl_GlobalInvocationID.x * WORDS < n && firstRow < grid.height;
    const uint top = min(firstRow, grid.height - 1u);
    LIFE_WORD aboveLow[WORDS], aboveHigh[WORDS], aboveAlive[WORDS];
    LIFE_WORD midLow[WORDS], midHigh[WORDS], midAlive[WORDS];
    LIFE_WORD belowLow[WORDS], belowHigh[WORDS], belowAlive[WORDS];
    loadRowSums(int(top) - 1, x0, aboveLow, aboveHigh, aboveAlive);
    loadRowSums(int(top), x0, midLow, midHigh, midAlive);
    for (uint r = 0u; r < ROWS; ++r) {
        const uint y = firstRow + r;
        loadRowSums(int(min(y, grid.height - 1u)) + 1, x0, belowLow, belowHigh, belowAlive);
        // An identity the compiler cannot see through (the all-ones mask comes from a push
        // constant): without it LLVM sinks the rule's last bitwise operations into the
        // store's per-lane loop, spilling their operands to the stack on every lane, which
        // cost lavapipe about half its speed.
        const LIFE_WORD opaqueAll = LIFE_WORD(grid.generations) * ALL;
        LIFE_WORD next[WORDS];
        if (DYING_PLANES == 0u) {
            for (uint j = 0u; j < WORDS; ++j) {
                next[j] = nextWordFromSums(aboveLow[j], aboveHigh[j], midLow[j], midHigh[j],
                                           belowLow[j], belowHigh[j], midAlive[j], true) & keep(x0 + j);
                next[j] = min(next[j], opaqueAll);
            }
            storeRow(0u, y, x0, inGrid, next);
        } else {
            // The dying planes of this row's words, read, aged and written back plane by
            // plane, at valid indices whether or not the strip is past the grid's end.
            const uint row = min(y, grid.height - 1u);
            LIFE_WORD counter[WORDS][MAX_DYING_PLANES];
            for (uint i = 0u; i < DYING_PLANES; ++i) {
                LIFE_WORD plane[WORDS];
                loadRow(i + 1u, row, x0, plane);
                for (uint j = 0u; j < WORDS; ++j) counter[j][i] = plane[j];
            }
            for (uint j = 0u; j < WORDS; ++j) {
                LIFE_WORD born, survives;
                ruleFromSums(aboveLow[j], aboveHigh[j], midLow[j], midHigh[j], belowLow[j], belowHigh[j], true,
                             born, survives);
                next[j] = nextGenerationsWord(midAlive[j], born, survives, counter[j]) & keep(x0 + j);
                next[j] = min(next[j], opaqueAll);
            }
            storeRow(0u, y, x0, inGrid, next);
            for (uint i = 0u; i < DYING_PLANES; ++i) {
                LIFE_WORD plane[WORDS];
                for (uint j = 0u; j < WORDS; ++j) plane[j] = min(counter[j][i], opaqueAll);
                storeRow(i + 1u, y, x0, inGrid, plane);
            }
        }
        for (uint j = 0u; j < WORDS; ++j) {
            aboveLow[j] = midLow[j]; aboveHigh[j] = midHigh[j];
            midLow[j] = belowLow[j]; midHigh[j] = belowHigh[j]; midAlive[j] = belowAlive[j];
        }
    }
}
