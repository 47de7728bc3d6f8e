package ddpm4j.io;

import ddpm4j.nn.UNet2DModel;
import ddpm4j.schedule.SchedulerConfig;
import ddpm4j.torch.Device;
import ddpm4j.torch.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * A loaded model directory: the network and its diffusion process.
 *
 * @param unet      the network, weights loaded
 * @param scheduler the process it was trained with
 */
public record Model(UNet2DModel unet, SchedulerConfig scheduler) implements AutoCloseable {
    /**
     * The network's output for {@code x [B,C,H,W]} at integer timesteps {@code t [B]}, refusing
     * timesteps outside the 0..T−1 the model was trained on (the network alone cannot know T).
     */
    public Tensor predict(Tensor x, Tensor t) {
        if (!t.is_floating_point() && !t.is_meta()) {
            scheduler.requireTrainedTimesteps(Tensors.toLongs(t));
        }
        return unet.infer(x, t);
    }

    /** The device the network lives on. */
    public Device device() {
        return unet.device();
    }

    /** Moves the network to {@code device}; returns this model. */
    public Model to(Device device) {
        unet.to(device);
        return this;
    }

    @Override
    public void close() {
        unet.close();
    }
}
