// Two generations of a Life-like rule per dispatch on the bit-packed grid (or of a Generations
// rule on its bit planes, life_bits_rule.glsl), shaped for CPU drivers as
// life_step_bits_wide.glsl is (read that first): there every storage-buffer access is a loop
// over the SIMD lanes and those loops bound the speed, so advancing each invocation's words
// twice between a load and a store halves them per generation.
//
// A Generations rule's first generation of a word needs which of its cells are dying (they
// cannot be born), so the dying planes are read for the first generation's words; the ages of
// its own words carry over to the second generation, one row later, in registers.
//
// A cell two generations on depends on the cells at most two away. So an invocation reads two
// rows more above and below its strip, and two words more each side, works out the first
// generation of its words and one word each side over its rows and one row more each way, and
// from those the second generation of its own words. Only rows of whole aligned fours of words
// take this shape (the row stride a multiple of WORDS, itself a multiple of 4), so that the
// side words are the only single reads; other rows keep the one-generation kernel.
//
// Included by life_steps_bits_wide.comp (32-bit words) and life_steps_bits_wide64.comp
// (64-bit), which define LIFE_WORD, LIFE_WORD4 and LIFE_WORD_BITS.

#include "life_bits_wide_grid.glsl"

// Words an invocation works on in the first generation: its own and one each side.
const uint INNER = WORDS + 2u;

// Whether logical row y lies outside a bounded grid (every generation dead there).
bool rowOutside(int y) { return BOUNDED && (y < 0 || y >= int(grid.height)); }

// The grid row that logical row y reads: y is at most two rows above the grid, and rows more
// than one below it only serve rows that are never stored, so they are clamped there. Compares
// instead of a division, which CPU drivers cannot vectorise; twice, for grids of one row.
uint gridRow(int y) {
    const int h = int(grid.height);
    int row = min(y, h + 1);
    if (row < 0) row += h;
    if (row < 0) row += h;
    if (row >= h) row -= h;
    if (row >= h) row -= h;
    return uint(row);
}

// Word x0 - 2 + p of the row, for p in 0, 1, WORDS + 2, WORDS + 3: its index in the row,
// wrapped round the row's ends. Beyond a bounded grid's edges the wrapped words are read all
// the same: wordSums ignores what lies beyond an edge word, so neither those words nor their
// first generation reach a stored cell.
uint sideIndex(uint x0, uint p) {
    const uint n = stride();
    return p < 2u ? (x0 == 0u ? n - 2u + p : x0 - 2u + p) : (x0 + p - 2u >= n ? x0 + p - 2u - n : x0 + p - 2u);
}

// The row index of the first generation's word i (x0 - 1 + i), the side ones wrapped.
uint firstIndex(uint x0, uint i) { return i == 0u || i == INNER - 1u ? sideIndex(x0, i + 1u) : x0 + i - 1u; }

// The sums of the first generation's INNER words (x0 - 1 on) from logical row y of the grid:
// reads words x0 - 2 to x0 + WORDS + 1, once each, with no load under a condition.
void loadRowSums(int y, uint x0, out LIFE_WORD low[INNER], out LIFE_WORD high[INNER], out LIFE_WORD alive[INNER]) {
    const uint n = stride();
    const bool outside = rowOutside(y);
    const uint base = (outside ? 0u : gridRow(y)) * n;
    LIFE_WORD word[WORDS + 4u];
    for (uint p = 0u; p < 2u; ++p) {
        const LIFE_WORD side = src[base + sideIndex(x0, p)];
        word[p] = outside ? ZERO : side;
    }
    for (uint q = 0u; q < WORDS / 4u; ++q) {
        const LIFE_WORD4 four = src4[(base + x0) / 4u + q];
        for (uint c = 0u; c < 4u; ++c) word[2u + 4u * q + c] = outside ? ZERO : four[c];
    }
    for (uint p = WORDS + 2u; p < WORDS + 4u; ++p) {
        const LIFE_WORD side = src[base + sideIndex(x0, p)];
        word[p] = outside ? ZERO : side;
    }
    for (uint i = 0u; i < INNER; ++i) {
        wordSums(word[i], word[i + 1u], word[i + 2u], firstIndex(x0, i), low[i], high[i]);
        alive[i] = word[i + 1u];
    }
}

// Logical row y's dying cells for the first generation's INNER words (x0 - 1 on), and the
// dying counter of its own words, read plane by plane; zero outside a bounded grid.
void loadDying(int y, uint x0, out LIFE_WORD dying[INNER], out LIFE_WORD counter[WORDS][MAX_DYING_PLANES]) {
    const uint n = stride();
    const bool outside = rowOutside(y);
    const uint base = (outside ? 0u : gridRow(y)) * n;
    for (uint i = 0u; i < INNER; ++i) dying[i] = ZERO;
    for (uint plane = 1u; plane <= DYING_PLANES; ++plane) {
        const uint planeBase = plane * n * grid.height + base;
        const LIFE_WORD west = src[planeBase + sideIndex(x0, 1u)];
        dying[0] |= outside ? ZERO : west;
        for (uint q = 0u; q < WORDS / 4u; ++q) {
            const LIFE_WORD4 four = src4[(planeBase + x0) / 4u + q];
            for (uint c = 0u; c < 4u; ++c) {
                const LIFE_WORD word = outside ? ZERO : four[c];
                counter[4u * q + c][plane - 1u] = word;
                dying[1u + 4u * q + c] |= word;
            }
        }
        const LIFE_WORD east = src[planeBase + sideIndex(x0, WORDS + 2u)];
        dying[INNER - 1u] |= outside ? ZERO : east;
    }
}

void main() {
    const uint n = stride();
    // Invocations past the grid compute on clamped indices and store nothing.
    const uint x0 = min(gl_GlobalInvocationID.x * WORDS, n - WORDS);
    const uint firstRow = gl_GlobalInvocationID.y * ROWS;
    const bool inGrid = gl_GlobalInvocationID.x * WORDS < n && firstRow < grid.height;
    const int top = int(min(firstRow, grid.height - 1u));
    // Rolling windows of three rows: the grid's sums (first generation's words) and the first
    // generation's sums (own words).
    LIFE_WORD aboveLow[INNER], aboveHigh[INNER], aboveAlive[INNER];
    LIFE_WORD midLow[INNER], midHigh[INNER], midAlive[INNER];
    LIFE_WORD belowLow[INNER], belowHigh[INNER], belowAlive[INNER];
    LIFE_WORD firstAboveLow[WORDS], firstAboveHigh[WORDS];
    LIFE_WORD firstMidLow[WORDS], firstMidHigh[WORDS], firstMidAlive[WORDS];
    LIFE_WORD firstBelowLow[WORDS], firstBelowHigh[WORDS], firstBelowAlive[WORDS];
    // Generations rules: the first generation's dying counters of its own words, of the row
    // the second generation works on and the row below it.
    LIFE_WORD firstMidCounter[WORDS][MAX_DYING_PLANES], firstBelowCounter[WORDS][MAX_DYING_PLANES];
    loadRowSums(top - 2, x0, aboveLow, aboveHigh, aboveAlive);
    loadRowSums(top - 1, x0, midLow, midHigh, midAlive);
    // t = 0 and 1 make the first generation's rows top - 1 and top; each later t one row more,
    // and the second generation's row before it.
    for (uint t = 0u; t < ROWS + 2u; ++t) {
        const int y = top + int(t);   // the grid row read; the first generation's row is y - 1
        loadRowSums(y, x0, belowLow, belowHigh, belowAlive);
        LIFE_WORD first[INNER];
        const bool firstOutside = rowOutside(y - 1);
        if (DYING_PLANES == 0u) {
            for (uint i = 0u; i < INNER; ++i) {
                const LIFE_WORD next = nextWordFromSums(aboveLow[i], aboveHigh[i], midLow[i], midHigh[i],
                                                       belowLow[i], belowHigh[i], midAlive[i], true) & keep(firstIndex(x0, i));
                first[i] = firstOutside ? ZERO : next;
            }
        } else {
            LIFE_WORD dying[INNER];
            loadDying(y - 1, x0, dying, firstBelowCounter);
            for (uint i = 0u; i < INNER; ++i) {
                LIFE_WORD born, survives;
                ruleFromSums(aboveLow[i], aboveHigh[i], midLow[i], midHigh[i], belowLow[i], belowHigh[i], true,
                             born, survives);
                LIFE_WORD next;
                if (i == 0u || i == INNER - 1u) {
                    next = nextLiveWord(midAlive[i], dying[i], born, survives);
                } else {
                    next = nextGenerationsWord(midAlive[i], born, survives, firstBelowCounter[i - 1u]);
                }
                first[i] = firstOutside ? ZERO : next & keep(firstIndex(x0, i));
            }
        }
        for (uint j = 0u; j < WORDS; ++j) {
            wordSums(first[j], first[j + 1u], first[j + 2u], x0 + j, firstBelowLow[j], firstBelowHigh[j]);
            firstBelowAlive[j] = first[j + 1u];
        }
        if (t >= 2u) {
            const uint row = firstRow + t - 2u;
            // As in life_step_bits_wide.glsl: an identity the compiler cannot see through
            // keeps the rule's last operations out of the store's per-lane loop.
            const LIFE_WORD opaqueAll = LIFE_WORD(min(grid.generations, 1u)) * ALL;
            LIFE_WORD next[WORDS];
            for (uint j = 0u; j < WORDS; ++j) {
                if (DYING_PLANES == 0u) {
                    next[j] = nextWordFromSums(firstAboveLow[j], firstAboveHigh[j], firstMidLow[j], firstMidHigh[j],
                                               firstBelowLow[j], firstBelowHigh[j], firstMidAlive[j], true);
                } else {
                    LIFE_WORD born, survives;
                    ruleFromSums(firstAboveLow[j], firstAboveHigh[j], firstMidLow[j], firstMidHigh[j],
                                 firstBelowLow[j], firstBelowHigh[j], true, born, survives);
                    next[j] = nextGenerationsWord(firstMidAlive[j], born, survives, firstMidCounter[j]);
                }
                next[j] = min(next[j] & keep(x0 + j), opaqueAll);
            }
            if (inGrid && row < grid.height) {
                for (uint q = 0u; q < WORDS / 4u; ++q) {
                    dst4[(row * n + x0) / 4u + q] = LIFE_WORD4(next[4u * q], next[4u * q + 1u], next[4u * q + 2u], next[4u * q + 3u]);
                }
                for (uint plane = 1u; plane <= DYING_PLANES; ++plane) {
                    const uint planeBase = plane * n * grid.height + row * n;
                    for (uint q = 0u; q < WORDS / 4u; ++q) {
                        dst4[(planeBase + x0) / 4u + q] = LIFE_WORD4(
                            min(firstMidCounter[4u * q][plane - 1u], opaqueAll),
                            min(firstMidCounter[4u * q + 1u][plane - 1u], opaqueAll),
                            min(firstMidCounter[4u * q + 2u][plane - 1u], opaqueAll),
                            min(firstMidCounter[4u * q + 3u][plane - 1u], opaqueAll));
                    }
                }
            }
        }
        for (uint j = 0u; j < WORDS; ++j) {
            for (uint i = 0u; i < DYING_PLANES; ++i) firstMidCounter[j][i] = firstBelowCounter[j][i];
        }
        for (uint i = 0u; i < INNER; ++i) {
            aboveLow[i] = midLow[i]; aboveHigh[i] = midHigh[i];
            midLow[i] = belowLow[i]; midHigh[i] = belowHigh[i]; midAlive[i] = belowAlive[i];
        }
        for (uint j = 0u; j < WORDS; ++j) {
            firstAboveLow[j] = firstMidLow[j]; firstAboveHigh[j] = firstMidHigh[j];
            firstMidLow[j] = firstBelowLow[j]; firstMidHigh[j] = firstBelowHigh[j]; firstMidAlive[j] = firstBelowAlive[j];
        }
    }
}
