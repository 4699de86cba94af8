// wangban: one binary for fully online government services.
#include "wangban/app/app.hpp"

int main(int argc, char** argv) { return wangban::app::Main(argc, argv); }
