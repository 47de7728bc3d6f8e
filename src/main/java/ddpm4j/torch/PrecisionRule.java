package ddpm4j.torch;

/**
 * What {@code --precision auto} takes: a function of the work, the device and the CPU's kind alone, never of a
 * timing or of a file, so that a seeded command gives the same numbers whatever its batch size, however loaded
 * the machine and whatever it measured before (issue 34: a per-batch timing took bf16 at batch 4 and fp32 at
 * batch 1, and the images differed by 1.5).
 *
 * <p>Decided from the measurements in docs/speed.md ("Which precision by default"; AMD EPYC Zen 4, 2026-12-07, and the
 * Intel Xeon with AMX, 2026-11-27): bf16 trained 1.6–2.0× faster than fp32 and sampled up to 2.5× faster (not at
 * batch 1 of the smallest networks), while its samples of the built-in model lay up to 0.14 from fp32's and the
 * reference model's DDIM-10 3.5e-3 from diffusers' (fp32: 3.9e-7). So:
 * <ul>
 *   <li>sampling, evaluating and editing take fp32: the images match the reference implementations' and do not
 *       depend on the batch size; bf16 is there on request;
 *   <li>training takes bf16 where the CPU computes it natively, else fp32; a training run records its choice,
 *       and a resumed run keeps it;
 *   <li>CUDA takes fp32: 16-bit arithmetic was not measured on a GPU here (fp16 and bf16 on request).
 * </ul>
 */
public final class PrecisionRule {
    /** What the network is run for. */
    public enum Work {
        /** Forward passes whose outputs are the result: sample, edit, eval, figure, predict. */
        SAMPLING,
        /** Training steps: forward and backward. */
        TRAINING
    }

    /**
     * The choice and why, in a few words.
     *
     * @param precision the arithmetic
     * @param reason    e.g. {@code "training on a CPU with native bfloat16"}
     */
    public record Choice(Precision precision, String reason) {
    }

    private PrecisionRule() {
    }

    /** The choice for {@code work} on {@code device} on this machine's CPU. */
    public static Choice of(Work work, Device device) {
        return of(work, device, Cpu.current());
    }

    /** The choice for {@code work} on {@code device} with {@code cpu}: the rule above. */
    public static Choice of(Work work, Device device, Cpu cpu) {
        if (!device.isCpu()) {
            return new Choice(Precision.FP32, "16-bit arithmetic on " + device + " was not measured here; fp16 and bf16 on request");
        }
        if (work == Work.SAMPLING) {
            return new Choice(Precision.FP32, "exact: the same images for every batch size, as the reference implementations make them;"
                    + " --precision bf16 is faster on CPUs with native bfloat16");
        }
        return cpu.known() && cpu.nativeBfloat16()
                ? new Choice(Precision.BF16, "training on a CPU with native bfloat16 (" + cpu.vectorIsa() + ")")
                : new Choice(Precision.FP32, "training on a CPU without native bfloat16 (" + cpu.vectorIsa() + ")");
    }
}
