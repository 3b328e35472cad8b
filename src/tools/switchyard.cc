// switchyard: the appliance daemon. See src/control/daemon.h.
#include "control/daemon.h"

int main(int argc, char** argv) { return sy::daemon_main(argc, argv); }
