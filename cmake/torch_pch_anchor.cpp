void dredgeTorchPchAnchor() {}
