// Shared by the bit-packed Life kernels: 32 cells per 32-bit word, bit k of word j is cell
// x = 32 j + k (the wide kernel also takes the words in pairs, 64 cells per 64-bit word).
// Neighbour counts of a word's cells at once with bitwise adders, then the rule as a boolean
// function of the count's bits.
//
// Generations rules (C states: 0 dead, 1 alive, 2 to C - 1 dying) keep the grid in bit planes
// one after another in the buffer, each laid out as a two-state grid: plane 0 holds the live
// cells, so neighbour counts read it alone, exactly as for a two-state rule; planes 1 to
// DYING_PLANES hold a bit-sliced counter, a dying cell's state minus one (0 for a cell that is
// not dying), which ages with a ripple-carry increment on whole words.

// Bit n set: a dead cell with n live neighbours is born / a live one survives. Specialisation
// constants, so the compiler folds the rule into a handful of instructions.
layout(constant_id = 10) const uint BIRTH = 8u;           // B3
layout(constant_id = 11) const uint SURVIVAL = 12u;       // S23

// The word type: uint unless the including shader says otherwise.
#ifndef LIFE_WORD
#define LIFE_WORD uint
#endif

// The dying counter's planes: 0 for two-state rules, else enough bits for C - 2.
layout(constant_id = 12) const uint DYING_PLANES = 0u;
// C - 2: the counter of the last dying state, which dies the generation after.
layout(constant_id = 13) const uint LAST_DYING = 0u;
// Enough planes for C = 256.
const uint MAX_DYING_PLANES = 8u;
// Tests only: drops the cells a word takes from the words beside it, a deliberately broken
// halo, so that tests show their grids would catch one (LifeWorkload's brokenHalo).
layout(constant_id = 14) const bool BROKEN_HALO = false;

// Three one-bit numbers added in every lane: the bitwise full adder the neighbour counts are
// built of (the three cells of a row, or a row's sums with the rows above and below).
void fullAdd(LIFE_WORD a, LIFE_WORD b, LIFE_WORD c, out LIFE_WORD sum, out LIFE_WORD carry) {
    const LIFE_WORD ab = a ^ b;
    sum = ab ^ c;
    carry = (a & b) | (c & ab);
}

// Where a dead / live cell's neighbour count meets the rule (`born` / `survives`), from
// bit-sliced sums of the rows above, through and below it (two bits each: low, high; each lane
// of a word is one cell's sum). The rows above and below sum three cells each; the middle row
// sums the cell's two side neighbours, or, with midCountsItself, the cell as well: then a live
// cell with n live neighbours sums to n + 1. Specialised on a constant midCountsItself, the
// loop folds to the rule's few operations.
void ruleFromSums(LIFE_WORD aboveLow, LIFE_WORD aboveHigh, LIFE_WORD midLow, LIFE_WORD midHigh,
                  LIFE_WORD belowLow, LIFE_WORD belowHigh, bool midCountsItself,
                  out LIFE_WORD born, out LIFE_WORD survives) {
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
    born = LIFE_WORD(0u);
    survives = LIFE_WORD(0u);
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
}

// A two-state rule's next word from the sums of ruleFromSums.
LIFE_WORD nextWordFromSums(LIFE_WORD aboveLow, LIFE_WORD aboveHigh, LIFE_WORD midLow, LIFE_WORD midHigh,
                           LIFE_WORD belowLow, LIFE_WORD belowHigh, LIFE_WORD alive, bool midCountsItself) {
    LIFE_WORD born, survives;
    ruleFromSums(aboveLow, aboveHigh, midLow, midHigh, belowLow, belowHigh, midCountsItself, born, survives);
    return (alive & survives) | (~alive & born);
}

// A Generations rule's next live word: a live cell that survives stays, and only a cell neither
// alive nor dying can be born.
LIFE_WORD nextLiveWord(LIFE_WORD alive, LIFE_WORD dying, LIFE_WORD born, LIFE_WORD survives) {
    return (alive & survives) | (~alive & ~dying & born);
}

// A Generations rule's next live word, ageing `counter` (the dying planes) in place: a live
// cell that does not survive starts dying (counter 1), and a dying one ages until the last
// dying state, after which it is dead.
LIFE_WORD nextGenerationsWord(LIFE_WORD alive, LIFE_WORD born, LIFE_WORD survives,
                              inout LIFE_WORD counter[MAX_DYING_PLANES]) {
    LIFE_WORD dying = LIFE_WORD(0u);
    LIFE_WORD last = ~LIFE_WORD(0u);
    for (uint i = 0u; i < DYING_PLANES; ++i) {
        dying |= counter[i];
        last &= ((LAST_DYING >> i) & 1u) != 0u ? counter[i] : ~counter[i];
    }
    const LIFE_WORD ageing = dying & ~last;
    LIFE_WORD carry = ageing;
    for (uint i = 0u; i < DYING_PLANES; ++i) {
        const LIFE_WORD bit = counter[i];
        counter[i] = (bit ^ carry) & ageing;
        carry &= bit;
    }
    counter[0] |= alive & ~survives;
    return nextLiveWord(alive, dying, born, survives);
}

// The rule's verdicts for a word from the nine words around it, each with its west and east
// neighbour masks (bit k: the cell left / right of cell k).
void ruleOfNeighbours(LIFE_WORD aboveW, LIFE_WORD above, LIFE_WORD aboveE, LIFE_WORD west, LIFE_WORD east,
                      LIFE_WORD belowW, LIFE_WORD below, LIFE_WORD belowE, out LIFE_WORD born, out LIFE_WORD survives) {
    // Above and below: 2-bit sums (0..3) of three cells.
    LIFE_WORD a0, a1, b0, b1;
    fullAdd(aboveW, above, aboveE, a0, a1);
    fullAdd(belowW, below, belowE, b0, b1);
    ruleFromSums(a0, a1, west ^ east, west & east, b0, b1, false, born, survives);
}

// The next state of a word from the nine words around it (ruleOfNeighbours).
LIFE_WORD nextWord(LIFE_WORD aboveW, LIFE_WORD above, LIFE_WORD aboveE,
                   LIFE_WORD west, LIFE_WORD alive, LIFE_WORD east,
                   LIFE_WORD belowW, LIFE_WORD below, LIFE_WORD belowE) {
    LIFE_WORD born, survives;
    ruleOfNeighbours(aboveW, above, aboveE, west, east, belowW, below, belowE, born, survives);
    return (alive & survives) | (~alive & born);
}

// As nextWord, for a Generations rule: the next live word, with `counter` aged in place.
LIFE_WORD nextGenerationsWordOf(LIFE_WORD aboveW, LIFE_WORD above, LIFE_WORD aboveE,
                                LIFE_WORD west, LIFE_WORD alive, LIFE_WORD east,
                                LIFE_WORD belowW, LIFE_WORD below, LIFE_WORD belowE,
                                inout LIFE_WORD counter[MAX_DYING_PLANES]) {
    LIFE_WORD born, survives;
    ruleOfNeighbours(aboveW, above, aboveE, west, east, belowW, below, belowE, born, survives);
    return nextGenerationsWord(alive, born, survives, counter);
}
