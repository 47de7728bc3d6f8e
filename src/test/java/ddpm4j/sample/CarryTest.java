package ddpm4j.sample;

import ddpm4j.torch.Natives;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The loop's carry holds one reference to what it keeps, lets go of what is replaced or pushed out, and of all on close. */
class CarryTest {
    @BeforeAll
    static void natives() {
        Natives.load();
    }

    /** Tensors made in a scope, as a loop's pass makes them: the scope holds one reference, the carry one more. */
    @Test
    void slotsAndHistoriesHoldOneReferenceEachAndLetGo() {
        try (org.bytedeco.javacpp.PointerScope scope = new org.bytedeco.javacpp.PointerScope()) {
            check(torch.zeros(2), torch.ones(2), torch.ones(3));
        }
    }

    private static void check(Tensor a, Tensor b, Tensor c) {
        int base = a.referenceCount();
        assertEquals(1, base, "the scope's");
        try (Carry carry = new Carry()) {
            carry.put("x", a);
            assertEquals(base + 1, a.referenceCount());
            carry.put("x", a); // the same tensor again: still one reference
            assertEquals(base + 1, a.referenceCount());
            carry.put("x", b);
            assertEquals(base, a.referenceCount(), "replaced: let go");
            assertSame(b, carry.get("x"));
            carry.put("x", null);
            assertNull(carry.get("x"));
            assertEquals(base, b.referenceCount());
            Carry.History h = carry.history("h", 2);
            h.push(a);
            h.push(b);
            h.push(c);
            assertEquals(2, h.size());
            assertSame(c, h.get(0));
            assertSame(b, h.get(1));
            assertEquals(base, a.referenceCount(), "pushed out: let go");
            assertEquals(base + 1, b.referenceCount());
            carry.put("y", c);
            assertEquals(base + 2, c.referenceCount());
        }
        assertEquals(base, b.referenceCount(), "closed: every reference let go");
        assertEquals(base, c.referenceCount());
    }
}
