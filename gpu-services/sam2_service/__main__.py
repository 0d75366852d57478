from sam2_service.service import main

main()
