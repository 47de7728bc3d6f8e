package ddpm4j.cli;

import ddpm4j.dist.DistEnv;
import ddpm4j.dist.Group;

/** The command's place in a distributed run, from the torchrun-style environment. */
final class Distributed {
    private Distributed() {
    }

    /** This process's group (alone unless WORLD_SIZE > 1), over NCCL when {@code options} put the network on a GPU. */
    static Group join(Options options) {
        return Group.join(environment(), options.device());
    }

    /** The torchrun-style environment, checked. */
    static DistEnv environment() {
        try {
            return DistEnv.fromEnvironment();
        } catch (IllegalArgumentException e) {
            throw new UserException("distributed environment: " + e.getMessage());
        }
    }
}
