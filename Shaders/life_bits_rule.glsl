// Shared by the bit-packed Life kernels: 32 cells per 32-bit word, bit k of word j is cell
// x = 32 j + k. Neighbour counts of 32 cells at once with bitwise adders, then the rule as a
// boolean function of the count's bits. Two-state (Life-like) rules only.

// Bit n set: a dead cell with n live neighbours is born / a live one survives. Specialisation
// constants, so the compiler folds the rule into a handful of instructions.
layout(constant_id = 10) const uint BIRTH = 8u;           // B3
layout(constant_id = 11) const uint SURVIVAL = 12u;       // S23

// Two 3-input rows (above, below) and the middle row's two neighbours, summed bit-sliced:
// each of the 32 lanes of a word is one cell's count, held in four words c0..c3.
uint nextWord(uint aboveW, uint above, uint aboveE,
              uint west, uint alive, uint east,
              uint belowW, uint below, uint belowE) {
    // Above: a 2-bit sum (0..3) of three cells.
    const uint a0 = aboveW ^ above ^ aboveE;
    const uint a1 = (aboveW & above) | (aboveE & (aboveW ^ above));
    const uint b0 = belowW ^ below ^ belowE;
    const uint b1 = (belowW & below) | (belowE & (belowW ^ below));
    const uint m0 = west ^ east;
    const uint m1 = west & east;
    // above + below: 0..6 in three bits.
    const uint s0 = a0 ^ b0;
    const uint k0 = a0 & b0;
    const uint s1 = a1 ^ b1 ^ k0;
    const uint s2 = (a1 & b1) | (k0 & (a1 ^ b1));
    // + middle: 0..8 in four bits.
    const uint c0 = s0 ^ m0;
    const uint j0 = s0 & m0;
    const uint c1 = s1 ^ m1 ^ j0;
    const uint j1 = (s1 & m1) | (j0 & (s1 ^ m1));
    const uint c2 = s2 ^ j1;
    const uint c3 = s2 & j1;
    uint born = 0u;
    uint survives = 0u;
    for (uint n = 0u; n <= 8u; ++n) {
        if (((BIRTH | SURVIVAL) & (1u << n)) == 0u) continue;
        const uint count = ((n & 1u) != 0u ? c0 : ~c0) & ((n & 2u) != 0u ? c1 : ~c1)
                         & ((n & 4u) != 0u ? c2 : ~c2) & ((n & 8u) != 0u ? c3 : ~c3);
        if ((BIRTH & (1u << n)) != 0u) born |= count;
        if ((SURVIVAL & (1u << n)) != 0u) survives |= count;
    }
    return (alive & survives) | (~alive & born);
}

// The same rule from the three-cell horizontal sums (two bits each: low, high) of the rows
// above, through and below a word of cells. Their total is the nine-cell sum, which counts the cell
// itself: a live cell with n live neighbours sums to n + 1. For kernels that compute each
// row's sums once and reuse them for the three rows that see it; words of type LIFE_WORD.
#ifdef LIFE_WORD
LIFE_WORD nextWordFromRowSums(LIFE_WORD aboveLow, LIFE_WORD aboveHigh, LIFE_WORD midLow, LIFE_WORD midHigh,
                              LIFE_WORD belowLow, LIFE_WORD belowHigh, LIFE_WORD alive) {
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
        const bool survivesAt = n >= 1u && (SURVIVAL & (1u << (n - 1u))) != 0u;
        if (!bornAt && !survivesAt) continue;
        const LIFE_WORD count = ((n & 1u) != 0u ? c0 : ~c0) & ((n & 2u) != 0u ? c1 : ~c1)
                              & ((n & 4u) != 0u ? c2 : ~c2) & ((n & 8u) != 0u ? c3 : ~c3);
        if (bornAt) born |= count;
        if (survivesAt) survives |= count;
    }
    return (alive & survives) | (~alive & born);
}
#endif
