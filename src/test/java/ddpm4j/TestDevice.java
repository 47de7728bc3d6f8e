package ddpm4j;

import ddpm4j.torch.Device;

/**
 * The device the reference-parity tests run on: {@code cpu} unless {@code -Dddpm4j.test.device=cuda}
 * (bench/gpu-check.sh sets it through {@code -Dtest.jvm.args}).
 */
public final class TestDevice {
    public static final String PROPERTY = "ddpm4j.test.device";

    private TestDevice() {
    }

    public static Device get() {
        return Device.parse(name());
    }

    /** As the CLI's {@code --device} takes it. */
    public static String name() {
        return System.getProperty(PROPERTY, "cpu");
    }
}
