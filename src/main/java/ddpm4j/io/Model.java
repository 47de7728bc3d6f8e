package ddpm4j.io;

import ddpm4j.nn.UNet2DModel;
import ddpm4j.schedule.SchedulerConfig;

/**
 * A loaded model directory: the network and its diffusion process.
 *
 * @param unet      the network, weights loaded
 * @param scheduler the process it was trained with
 */
public record Model(UNet2DModel unet, SchedulerConfig scheduler) implements AutoCloseable {
    @Override
    public void close() {
        unet.close();
    }
}
