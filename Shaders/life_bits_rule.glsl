// Shared by the bit-packed Life kernels: 32 cells per 32-bit word, bit k of word j is cell
// x = 32 j + k (the wide kernel also takes the words in pairs, 64 cells per 64-bit word).
// Neighbour counts of a word's cells at once with bitwise adders, then the rule as a boolean
// function of the count's bits. Two-state (Life-like) rules only.

// Bit n set: a dead cell with n live neighbours is born / a live one survives. Specialisation
// constants, so the compiler folds the rule into a handful of instructions.
layout(constant_id = 10) const uint BIRTH = 8u;           // B3
layout(constant_id = 11) const uint SURVIVAL = 12u;       // S23

// The word type: uint unless the including shader says otherwise.
#ifndef LIFE_WORD
#define LIFE_WORD uint
#endif

// The next state of a word of cells from bit-sliced sums of the rows above, through and below
// it (two bits each: low, high; each lane of a word is one cell's sum). The rows above and
// below sum three cells each; the middle row sums the cell's two side neighbours, or, with
// midCountsItself, the cell as well: then a live cell with n live neighbours sums to n + 1.
// Specialised on a constant midCountsItself, the loop folds to the rule's few operations.
LIFE_WORD nextWordFromSums(LIFE_WORD aboveLow, LIFE_WORD aboveHigh, LIFE_WORD midLow, LIFE_WORD midHigh,
                           LIFE_WORD belowLow, LIFE_WORD belowHigh, LIFE_WORD alive, bool midCountsItself) {
    // above + below: 0..6 in three bits.
    const LIFE_WORD s0 = aboveLow ^ belowLow;
    const LIFE_WORD k0 = aboveLow & belowLow;
    const LIFE_WORD s1 = aboveHigh ^ belowHigh ^ k0;
    const LIFE_WORD s2 = (aboveHigh & belowHigh) | (k0 & (aboveHigh ^ belowHigh));
    // + middle: 0..9 in four bits.
    const LIFE_WORD c0 = s0 ^ midLow;
    const LIFE_WORD j0 = s0 & midLow;
    const LIFE_WORD c1 = s1 ^ midHigh ^ j0;
    const LIFE_WORD j1 = (s1 & midHigh) | (j0 & (s1 ^ midHigh));
    const LIFE_WORD c2 = s2 ^ j1;
    const LIFE_WORD c3 = s2 & j1;
    LIFE_WORD born = LIFE_WORD(0u);
    LIFE_WORD survives = LIFE_WORD(0u);
    for (uint n = 0u; n <= 9u; ++n) {
        const bool bornAt = n <= 8u && (BIRTH & (1u << n)) != 0u;
        const uint neighboursIfAlive = midCountsItself ? n - 1u : n;
        const bool survivesAt = neighboursIfAlive <= 8u && (SURVIVAL & (1u << neighboursIfAlive)) != 0u;
        if (!bornAt && !survivesAt) continue;
        const LIFE_WORD count = ((n & 1u) != 0u ? c0 : ~c0) & ((n & 2u) != 0u ? c1 : ~c1)
                              & ((n & 4u) != 0u ? c2 : ~c2) & ((n & 8u) != 0u ? c3 : ~c3);
        if (bornAt) born |= count;
        if (survivesAt) survives |= count;
    }
    return (alive & survives) | (~alive & born);
}

// The next state of a word from the nine words around it: each with its west and east
// neighbour masks (bit k: the cell left / right of cell k).
LIFE_WORD nextWord(LIFE_WORD aboveW, LIFE_WORD above, LIFE_WORD aboveE,
                   LIFE_WORD west, LIFE_WORD alive, LIFE_WORD east,
                   LIFE_WORD belowW, LIFE_WORD below, LIFE_WORD belowE) {
    // Above and below: 2-bit sums (0..3) of three cells.
    const LIFE_WORD a0 = aboveW ^ above ^ aboveE;
    const LIFE_WORD a1 = (aboveW & above) | (aboveE & (aboveW ^ above));
    const LIFE_WORD b0 = belowW ^ below ^ belowE;
    const LIFE_WORD b1 = (belowW & below) | (belowE & (belowW ^ below));
    return nextWordFromSums(a0, a1, west ^ east, west & east, b0, b1, alive, false);
}
