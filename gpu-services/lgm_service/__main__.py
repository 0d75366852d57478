from lgm_service.server import main

main()
