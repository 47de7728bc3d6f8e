package ddpm4j.torch;

import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.global.torch;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where tensors live: {@code cpu}, {@code cuda} (the current CUDA device), {@code cuda:K}, or
 * libtorch's {@code meta} device, which has shapes and no data (for tests that catch a tensor made
 * on the wrong device).
 *
 * @param type  {@code cpu}, {@code cuda} or {@code meta}
 * @param index the CUDA device number, or -1 for the current one (always -1 for cpu and meta)
 */
public record Device(String type, int index) {
    public static final Device CPU = new Device("cpu", -1);
    public static final Device META = new Device("meta", -1);
    private static final Pattern NAME = Pattern.compile("(cpu|meta|cuda)(?::(\\d{1,3}))?");

    public Device {
        if (!type.equals("cpu") && !type.equals("cuda") && !type.equals("meta")) {
            throw new IllegalArgumentException("unknown device type '" + type + "' (cpu, cuda or meta)");
        }
        if (index < -1 || index >= 0 && !type.equals("cuda")) {
            throw new IllegalArgumentException("only cuda devices have an index, got " + type + ":" + index);
        }
    }

    /** {@code cpu}, {@code cuda}, {@code cuda:K} or {@code meta}, in any case. */
    public static Device parse(String name) {
        Matcher m = NAME.matcher(name.trim().toLowerCase(Locale.ROOT));
        if (!m.matches() || m.group(2) != null && !m.group(1).equals("cuda")) {
            throw new IllegalArgumentException("unknown device '" + name + "' (cpu, cuda or cuda:K)");
        }
        return new Device(m.group(1), m.group(2) == null ? -1 : Integer.parseInt(m.group(2)));
    }

    /** The device {@code t} lives on. */
    public static Device of(Tensor t) {
        org.bytedeco.pytorch.Device d = t.device();
        if (d.is_cpu()) {
            return CPU;
        }
        if (d.is_meta()) {
            return META;
        }
        if (d.is_cuda()) {
            return new Device("cuda", d.has_index() ? d.index() : -1);
        }
        throw new IllegalArgumentException("tensor on unsupported device " + d.str().getString());
    }

    public boolean isCpu() {
        return type.equals("cpu");
    }

    public boolean isCuda() {
        return type.equals("cuda");
    }

    /**
     * This device, checked to exist: a CUDA device needs a build with CUDA (the {@code -Pcuda}
     * profile), a GPU the driver sees, and an index below the device count.
     */
    public Device requireAvailable() {
        if (!isCuda()) {
            return this;
        }
        Natives.load();
        if (!torch.hasCUDA()) {
            throw new IllegalArgumentException("device " + this + ": this build of ddpm4j has no CUDA"
                    + " (build it with 'mvn -Pcuda package' to use a GPU)");
        }
        int count = torch.cuda_device_count();
        if (count == 0 || !torch.cuda_is_available()) {
            throw new IllegalArgumentException("device " + this + ": CUDA is built in but no GPU is visible (driver, CUDA_VISIBLE_DEVICES)");
        }
        if (index >= count) {
            throw new IllegalArgumentException("device " + this + " does not exist: this machine has " + count
                    + " CUDA device" + (count == 1 ? "" : "s") + " (cuda:0" + (count > 1 ? "..cuda:" + (count - 1) : "") + ")");
        }
        return this;
    }

    /** libtorch's value for this device. */
    public org.bytedeco.pytorch.Device toTorch() {
        Natives.load();
        return new org.bytedeco.pytorch.Device(toString());
    }

    /** Options that make tensors of {@code type} on this device. */
    public TensorOptions options(torch.ScalarType type) {
        return new TensorOptions(type).device(new DeviceOptional(toTorch()));
    }

    /** libtorch's device type, e.g. for autocast. */
    public torch.DeviceType deviceType() {
        return switch (type) {
            case "cuda" -> torch.DeviceType.CUDA;
            case "meta" -> torch.DeviceType.Meta;
            default -> torch.DeviceType.CPU;
        };
    }

    /** {@code t} on this device: {@code t} itself when it is already there, else a copy. */
    public Tensor put(Tensor t) {
        boolean here = isCuda() ? t.is_cuda() && (index < 0 || t.device().index() == index) : Device.of(t).equals(this);
        return here ? t : t.to(toTorch(), t.scalar_type());
    }

    /** Waits until the work queued on this device is done (CUDA runs kernels asynchronously), for timing. */
    public void synchronize() {
        if (isCuda()) {
            torch.cuda_synchronize();
        }
    }

    @Override
    public String toString() {
        return index < 0 ? type : type + ":" + index;
    }
}
