"""trainchat: storage package."""
