package ddpm4j.sample;

/** Told after each reverse step: {@code done} of {@code total} network evaluations finished. */
@FunctionalInterface
public interface StepListener {
    StepListener NONE = (done, total) -> { };

    void stepDone(int done, int total);
}
