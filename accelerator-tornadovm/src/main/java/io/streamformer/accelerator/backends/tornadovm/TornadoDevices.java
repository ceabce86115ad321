package io.streamformer.accelerator.backends.tornadovm;

import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;

import java.util.ArrayList;
import java.util.List;

/** TornadoVM's devices, numbered 0.. across its backends (OpenCL, PTX, SPIR-V) in TornadoVM's order. */
final class TornadoDevices {
    /** TornadoVM keeps the bytecodes of a task graph in a buffer of this many bytes (default 4096: too small). */
    static final String BYTECODE_PROPERTY = "tornado.tvm.maxbytecodesize";

    private TornadoDevices() {
    }

    static List<TornadoDevice> all() {
        if (System.getProperty(BYTECODE_PROPERTY) == null) {
            // read once when TornadoVM's bytecode builder is first used, i.e. after this
            System.setProperty(BYTECODE_PROPERTY, Integer.toString(1 << 20));
        }
        List<TornadoDevice> devices = new ArrayList<>();
        try {
            for (uk.ac.manchester.tornado.api.TornadoBackend b : TornadoExecutionPlan.getTornadoDeviceMap().getAllBackends()) {
                for (int i = 0; i < b.getNumDevices(); i++) {
                    devices.add(b.getDevice(i));
                }
            }
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("TornadoVM found no usable device: "
                    + TornadoBackendProvider.firstLine(e.getMessage()), e);
        }
        return devices;
    }

    static TornadoBackend create(Integer index) {
        List<TornadoDevice> devices = all();
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("TornadoVM found no device (is an OpenCL driver or CUDA installed? "
                    + "check with: $TORNADOVM_HOME/bin/tornado --devices)");
        }
        int i = index == null ? 0 : index;
        if (i < 0 || i >= devices.size()) {
            throw new IllegalArgumentException("backend 'tornadovm' has no device " + i + ": it has " + devices.size()
                    + " (0.." + (devices.size() - 1) + "), see ./streamformer devices");
        }
        return new TornadoBackend(devices.get(i));
    }

    static List<String> list() {
        List<TornadoDevice> devices = all();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            lines.add(i + ": " + describe(devices.get(i)));
        }
        if (lines.isEmpty()) {
            lines.add("(no device: TornadoVM found no OpenCL/CUDA device)");
        }
        return lines;
    }

    /** One line: platform, device, type, device and driver versions, compute units, memory. */
    static String describe(TornadoDevice d) {
        String info = "";
        try {
            Object i = d.getPhysicalDevice().getDeviceInfo();
            info = i == null ? "" : i.toString();
        } catch (RuntimeException ignored) {
            // not every TornadoVM backend reports it
        }
        StringBuilder sb = new StringBuilder();
        sb.append(d.getPlatformName()).append(" / ").append(d.getPhysicalDevice().getDeviceName()).append(" (")
                .append(d.getDeviceType());
        String version = infoLine(info, "Device version");
        String driver = infoLine(info, "Driver version");
        if (!version.isEmpty()) {
            sb.append(", ").append(version);
        }
        if (!driver.isEmpty()) {
            sb.append(", driver ").append(driver);
        }
        sb.append(", ").append(d.getPhysicalDevice().getDeviceMaxComputeUnits()).append(" compute units, ")
                .append(String.format("%.1f GiB", d.getMaxGlobalMemory() / (double) (1L << 30))).append(')');
        return sb.toString();
    }

    private static String infoLine(String info, String key) {
        for (String line : info.split("\n")) {
            String t = line.strip();
            if (t.startsWith(key)) {
                int colon = t.indexOf(':');
                return colon < 0 ? "" : t.substring(colon + 1).strip();
            }
        }
        return "";
    }

    /** TornadoVM's version, from its API module (e.g. 5.2.0-jdk25). */
    static String tornadoVersion() {
        var descriptor = TornadoExecutionPlan.class.getModule().getDescriptor();
        return descriptor == null ? "" : descriptor.rawVersion().orElse("");
    }
}
